package exec

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
	"github.com/google/uuid"
	"golang.org/x/sys/unix"
)

// SuccessFile is the marker a committed output directory holds.
const SuccessFile = "_SUCCESS"

// Write runs w's input with r and commits it as a directory of part files,
// one per non-empty partition, named part-NNNNN-<job uuid>.<ext>.
//
// The commit is atomic for readers of the destination: every task writes
// into a staging directory beside it (under _temporary/ while it runs, then
// renamed out of it when the task ends); only after every task succeeded is
// _SUCCESS written and the staging directory swapped into place (a rename,
// or renameat2(RENAME_EXCHANGE) over an existing destination for
// Overwrite). A failed or cancelled job removes the staging directory and
// leaves the destination as it was. Append moves the new part files into
// the existing directory one by one.
func Write(ctx context.Context, r Runner, w *plan.Write) (Metrics, error) {
	dest := filepath.Clean(w.Path)
	_, statErr := os.Stat(dest)
	exists := statErr == nil
	if statErr != nil && !errors.Is(statErr, fs.ErrNotExist) {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", dest, statErr)
	}
	switch {
	case exists && w.Mode == plan.ErrorIfExists:
		return Metrics{}, fmt.Errorf("exec: write %s: path already exists (mode ErrorIfExists); choose Overwrite, Append or Ignore", dest)
	case exists && w.Mode == plan.Ignore:
		return Metrics{}, nil
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", dest, err)
	}
	jobID := uuid.NewString()
	staging := filepath.Join(filepath.Dir(dest), "."+filepath.Base(dest)+".ember-staging-"+jobID)
	if err := os.MkdirAll(filepath.Join(staging, "_temporary"), 0o755); err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", dest, err)
	}
	committed := false
	defer func() {
		if !committed {
			os.RemoveAll(staging)
		}
	}()
	sink := &fileSink{format: w.Format, schema: w.Schema(), staging: staging, jobID: jobID, tasks: map[int]*taskFile{}}
	m, err := r.Run(ctx, w.Input, sink)
	sink.abort()
	if err != nil {
		return m, fmt.Errorf("exec: write %s: %w", dest, err)
	}
	if len(sink.parts) == 0 {
		// An empty result still gets one part file, so its schema (a CSV
		// header) is kept.
		if _, err := sink.task(0); err != nil {
			return m, fmt.Errorf("exec: write %s: %w", dest, err)
		}
		if err := sink.Done(0); err != nil {
			return m, fmt.Errorf("exec: write %s: %w", dest, err)
		}
	}
	if err := os.RemoveAll(filepath.Join(staging, "_temporary")); err != nil {
		return m, fmt.Errorf("exec: write %s: %w", dest, err)
	}
	if err := ctx.Err(); err != nil {
		return m, fmt.Errorf("exec: write %s: %w", dest, err)
	}
	if err := os.WriteFile(filepath.Join(staging, SuccessFile), nil, 0o644); err != nil {
		return m, fmt.Errorf("exec: write %s: %w", dest, err)
	}
	if err := commit(staging, dest, exists, w.Mode, sink.parts); err != nil {
		return m, fmt.Errorf("exec: write %s: commit: %w", dest, err)
	}
	committed = true
	return m, nil
}

// commit moves the staged output into place.
func commit(staging, dest string, exists bool, mode plan.SaveMode, parts []string) error {
	switch {
	case !exists:
		return os.Rename(staging, dest)
	case mode == plan.Append:
		sort.Strings(parts)
		for _, p := range parts {
			if err := os.Rename(filepath.Join(staging, p), filepath.Join(dest, p)); err != nil {
				return err
			}
		}
		if err := os.Rename(filepath.Join(staging, SuccessFile), filepath.Join(dest, SuccessFile)); err != nil {
			return err
		}
		return os.RemoveAll(staging)
	}
	// Overwrite: swap atomically, then remove the old data, which now sits
	// at the staging path.
	err := unix.Renameat2(unix.AT_FDCWD, staging, unix.AT_FDCWD, dest, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		// The filesystem cannot exchange: move the old data aside first.
		old := staging + ".old"
		if err := os.Rename(dest, old); err != nil {
			return err
		}
		if err := os.Rename(staging, dest); err != nil {
			os.Rename(old, dest)
			return err
		}
		return os.RemoveAll(old)
	}
	if err != nil {
		return err
	}
	return os.RemoveAll(staging)
}

// fileSink writes each partition into its own task file.
type fileSink struct {
	format  plan.FileFormat
	schema  *arrow.Schema
	staging string
	jobID   string

	mu    sync.Mutex
	tasks map[int]*taskFile
	parts []string // committed part file names
}

type taskFile struct {
	path   string
	file   *os.File
	buf    *bufio.Writer
	writer plan.BatchWriter
}

func (s *fileSink) partName(p int) string {
	return fmt.Sprintf("part-%05d-%s.%s", p, s.jobID, s.format.Extension())
}

func (s *fileSink) task(p int) (*taskFile, error) {
	s.mu.Lock()
	t := s.tasks[p]
	s.mu.Unlock()
	if t != nil {
		return t, nil
	}
	dir := filepath.Join(s.staging, "_temporary", fmt.Sprintf("task-%05d", p))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, s.partName(p))
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	t = &taskFile{path: path, file: f, buf: bufio.NewWriterSize(f, 1<<20)}
	if t.writer, err = s.format.NewWriter(t.buf, s.schema); err != nil {
		f.Close()
		return nil, err
	}
	s.mu.Lock()
	s.tasks[p] = t
	s.mu.Unlock()
	return t, nil
}

// Consume implements Sink.
func (s *fileSink) Consume(p int, b arrow.RecordBatch) error {
	t, err := s.task(p)
	if err != nil {
		return err
	}
	if err := t.writer.Write(b); err != nil {
		return fmt.Errorf("partition %d: %w", p, err)
	}
	return nil
}

// Done implements Sink: the task commits by renaming its file out of
// _temporary. A partition that produced nothing writes no file.
func (s *fileSink) Done(p int) error {
	s.mu.Lock()
	t, ok := s.tasks[p]
	s.mu.Unlock()
	if !ok {
		return nil
	}
	err := t.writer.Close()
	if err == nil {
		err = t.buf.Flush()
	}
	if cerr := t.file.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(t.path, filepath.Join(s.staging, s.partName(p)))
	}
	s.mu.Lock()
	delete(s.tasks, p)
	if err == nil {
		s.parts = append(s.parts, s.partName(p))
	}
	s.mu.Unlock()
	return err
}

// abort closes the files of tasks that did not finish.
func (s *fileSink) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, t := range s.tasks {
		t.file.Close()
		delete(s.tasks, p)
	}
}
