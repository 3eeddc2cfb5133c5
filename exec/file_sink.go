package exec

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// fileSink writes each partition into its own task file under
// _temporary/, and commits the task by renaming the file out of it.
type fileSink struct {
	format  plan.FileFormat
	schema  *arrow.Schema
	staging string
	jobID   string

	mu    sync.Mutex
	tasks map[int]*taskFile
	parts []ManifestFile // committed part files
}

type taskFile struct {
	path   string
	file   *os.File
	buf    *bufio.Writer
	writer plan.BatchWriter
	rows   int64
}

func newFileSink(f plan.FileFormat, s *arrow.Schema, staging, jobID string) *fileSink {
	return &fileSink{format: f, schema: s, staging: staging, jobID: jobID, tasks: map[int]*taskFile{}}
}

func (s *fileSink) partName(p int) string {
	return fmt.Sprintf("part-%05d-%s.%s", p, s.jobID, s.format.Extension())
}

// task returns partition p's open task file, creating it on first use.
// Only p's goroutine calls it for p.
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
	t.rows += b.NumRows()
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
	var size int64
	if err == nil {
		var info os.FileInfo
		if info, err = os.Stat(t.path); err == nil {
			size = info.Size()
			err = os.Rename(t.path, filepath.Join(s.staging, s.partName(p)))
		}
	}
	s.mu.Lock()
	delete(s.tasks, p)
	if err == nil {
		s.parts = append(s.parts, ManifestFile{Name: s.partName(p), Rows: t.rows, Bytes: size})
	}
	s.mu.Unlock()
	if err != nil {
		return fmt.Errorf("partition %d: %w", p, err)
	}
	return nil
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
