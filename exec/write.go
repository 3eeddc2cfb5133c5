package exec

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
	"github.com/google/uuid"
)

// SuccessFile is the marker a committed output directory holds: a JSON
// Manifest of the files, rows and schema.
const SuccessFile = "_SUCCESS"

// The steps of a commit, in order. Tests stop the protocol after each one
// (as a crash would) and check that the destination is always either as it
// was or complete.
const (
	stepTasksDone      = iota + 1 // every part file is out of _temporary
	stepTemporaryGone             // _temporary is removed
	stepManifest                  // _SUCCESS is in the staging directory
	stepExistingLinked            // Append: the existing files are hard-linked into staging
	stepSwapped                   // staging is in place at the destination
	stepOldRemoved                // the replaced data is deleted
)

// crashAfter, when set by a test, is called after each commit step; when
// it returns true, Write returns errCrash at once and cleans up nothing,
// as if the process had died there.
var crashAfter func(step int) bool

var errCrash = errors.New("exec: simulated crash")

// Write runs w's input with r and commits it as a directory of part files,
// one per non-empty partition and Hive directory, named
// part-NNNNN-<job uuid>.<ext>, plus a _SUCCESS manifest listing them.
//
// At every instant a reader of the destination sees either the old
// complete dataset or the new complete one. How depends on the store (see
// docs/commit.md):
//
//   - On local disk, tasks write under _temporary/ of a staging directory
//     beside the destination (.<name>.ember-staging-<host>-<pid>-<job>)
//     and rename their file out of it when their partition ends. When
//     every task has succeeded, the job writes the manifest and puts the
//     staging directory in place with one rename — or, when the
//     destination exists (Overwrite, and Append, whose staging directory
//     also holds hard links to the existing files), one
//     renameat2(RENAME_EXCHANGE), after which the old data is deleted. A
//     failed or cancelled job removes its staging directory; one killed
//     outright leaves only a staging directory, which the next write to
//     the same destination removes.
//   - On object stores, which have no rename, tasks upload their files in
//     place under names no other job uses, each visible only once
//     complete; the job commit then writes the _SUCCESS manifest with one
//     PUT, and ember's readers read exactly the files a manifest lists. An
//     Overwrite deletes the old files once the new manifest is in place;
//     a failed job deletes what its tasks uploaded.
//
// The tasks of the graph's last stage write and commit their files where
// they run (Execute); the job commit runs here, on the driver, over the
// files the tasks report.
func Write(ctx context.Context, r Runner, cfg Config, w *plan.Write) (Metrics, error) {
	if err := w.CheckPartitionBy(); err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	var c jobCommitter
	if dest, local := storage.LocalPath(w.Path); local {
		c = &committer{dest: filepath.Clean(dest), mode: w.Mode, format: w.Format.Extension()}
	} else {
		if _, err := storage.Resolve(w.Path); err != nil {
			return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
		}
		c = &objectCommitter{dest: strings.TrimSuffix(w.Path, "/"), mode: w.Mode, format: w.Format.Extension()}
	}
	target, skip, err := c.prepare(ctx)
	if err != nil || skip {
		return Metrics{}, err
	}
	var m Metrics
	g, err := newGraph(w, cfg, &target)
	if err == nil {
		sink := &committedFiles{}
		m, err = r.Run(ctx, g, sink)
		if err == nil {
			err = c.commit(ctx, sink.files, w, newTaskWriter(compute.WithAllocator(ctx, g.job.cfg.Allocator), newFileLayout(w.Format, w.Schema(), w.PartitionBy), target, 0))
		}
	}
	if errors.Is(err, errCrash) {
		return m, err
	}
	if err != nil {
		c.abort()
		return m, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	return m, nil
}

// jobCommitter carries one write job through the commit protocol of its
// store.
type jobCommitter interface {
	// prepare checks the destination against the save mode and readies
	// the target the tasks write to; skip is true when the job has nothing
	// to do (Ignore, destination exists).
	prepare(ctx context.Context) (target WriteTarget, skip bool, err error)
	// commit makes the tasks' files the destination's dataset. empty
	// writes the one part file an empty result still gets, so that its
	// schema (a CSV header, a Parquet footer) is kept.
	commit(ctx context.Context, files []ManifestFile, w *plan.Write, empty *taskWriter) error
	// abort cleans up after a failed job.
	abort()
}

// emptyResult writes the one part file of an empty result.
func emptyResult(t *taskWriter) ([]ManifestFile, error) {
	defer t.abort()
	if _, err := t.file(""); err != nil {
		return nil, err
	}
	return t.commit()
}

// committer carries one write job through the local disk's commit
// protocol.
type committer struct {
	dest, staging string
	job           string
	mode          plan.SaveMode
	format        string
	exists        bool // the destination existed when the job started
	done          bool // the staging directory is in place (or gone)
}

// prepare implements jobCommitter.
func (c *committer) prepare(context.Context) (WriteTarget, bool, error) {
	exists, err := c.prepareStaging()
	c.exists = exists
	return WriteTarget{Dir: c.staging, Job: c.job}, err == nil && exists && c.mode == plan.Ignore, err
}

// abort implements jobCommitter: it removes the staging directory, unless
// it is already in place.
func (c *committer) abort() {
	if !c.done && c.staging != "" {
		os.RemoveAll(c.staging)
	}
}

// prepareStaging checks the destination against the mode, removes staging
// directories that dead jobs left beside it, and creates this job's.
func (c *committer) prepareStaging() (exists bool, err error) {
	_, statErr := os.Stat(c.dest)
	exists = statErr == nil
	if statErr != nil && !errors.Is(statErr, fs.ErrNotExist) {
		return false, fmt.Errorf("exec: write %s: %w", c.dest, statErr)
	}
	switch {
	case exists && c.mode == plan.ErrorIfExists:
		return true, fmt.Errorf("exec: write %s: path already exists (mode ErrorIfExists); choose Overwrite, Append or Ignore", c.dest)
	case exists && c.mode == plan.Ignore:
		return true, nil
	}
	parent := filepath.Dir(c.dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return exists, fmt.Errorf("exec: write %s: %w", c.dest, err)
	}
	removeAbandoned(parent, filepath.Base(c.dest))
	c.job = uuid.NewString()
	c.staging = filepath.Join(parent, fmt.Sprintf("%s%s-%d-%s", stagingPrefix(filepath.Base(c.dest)), hostTag(), os.Getpid(), c.job))
	if err := os.MkdirAll(filepath.Join(c.staging, "_temporary"), 0o755); err != nil {
		return exists, fmt.Errorf("exec: write %s: %w", c.dest, err)
	}
	return exists, nil
}

func stagingPrefix(name string) string { return "." + name + ".ember-staging-" }

// removeAbandoned deletes the staging directories of name that a process
// of this host left when it died mid-job, so that crashes leave no garbage
// for long. Directories of other hosts (a shared volume) are left alone:
// their process cannot be checked from here.
func removeAbandoned(parent, name string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	prefix := stagingPrefix(name) + hostTag() + "-"
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || strings.HasSuffix(rest, ".old") {
			continue // .old: the fallback swap's copy of the old data
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// hostTag names this host in staging directory names: its hostname,
// reduced to characters that are safe in a file name.
func hostTag() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "host"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, h)
}

// step records that a commit step is complete, and lets tests crash there.
func step(n int) error {
	if crashAfter != nil && crashAfter(n) {
		return errCrash
	}
	return nil
}

// committedFiles collects the rows of fileRows that write tasks hand out.
type committedFiles struct {
	mu    sync.Mutex
	files []ManifestFile
}

// Consume implements Sink.
func (s *committedFiles) Consume(_ int, b arrow.RecordBatch) error {
	names, rows, sizes := b.Column(0).(*array.String), b.Column(1).(*array.Int64), b.Column(2).(*array.Int64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < int(b.NumRows()); i++ {
		s.files = append(s.files, ManifestFile{Name: names.Value(i), Rows: rows.Value(i), Bytes: sizes.Value(i)})
	}
	return nil
}

// Done implements Sink.
func (s *committedFiles) Done(int) error { return nil }

// commit implements jobCommitter.
func (c *committer) commit(ctx context.Context, files []ManifestFile, w *plan.Write, empty *taskWriter) error {
	exists := c.exists
	if len(files) == 0 {
		var err error
		if files, err = emptyResult(empty); err != nil {
			return err
		}
	}
	if err := step(stepTasksDone); err != nil {
		return err
	}
	if err := os.RemoveAll(filepath.Join(c.staging, "_temporary")); err != nil {
		return err
	}
	if err := step(stepTemporaryGone); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m := newManifest(c.job, c.format, empty.layout.schema, files)
	m.PartitionBy = w.PartitionBy
	if exists && c.mode == plan.Append {
		old, err := linkExisting(c.dest, c.staging)
		if err != nil {
			return fmt.Errorf("linking the existing files: %w", err)
		}
		m = old.merge(m)
	}
	if err := m.write(c.staging); err != nil {
		return err
	}
	if err := step(stepManifest); err != nil {
		return err
	}
	if exists && c.mode == plan.Append {
		if err := step(stepExistingLinked); err != nil {
			return err
		}
	}
	if !exists {
		if err := os.Rename(c.staging, c.dest); err != nil {
			return err
		}
		c.done = true
		return step(stepSwapped)
	}
	// The destination exists: swap atomically, then delete the old data,
	// which now sits at the staging path.
	if err := swapPaths(c.staging, c.dest); err != nil {
		return err
	}
	c.done = true
	if err := step(stepSwapped); err != nil {
		return err
	}
	// The job has committed: failing to delete the old data must not make
	// it look failed (a retried Append would duplicate rows).
	if err := os.RemoveAll(c.staging); err != nil {
		slog.Warn("ember: could not remove replaced output", "path", c.staging, "err", err)
	}
	return step(stepOldRemoved)
}

// swapPaths swaps two paths atomically where the system can (Linux's
// renameat2 RENAME_EXCHANGE). Elsewhere it takes two renames, with a short
// window in which the destination is missing (never half-written).
func swapPaths(staging, dest string) error {
	if err := exchangePaths(staging, dest); !errors.Is(err, errNoExchange) {
		return err
	}
	old := staging + ".old"
	if err := os.Rename(dest, old); err != nil {
		return err
	}
	if err := os.Rename(staging, dest); err != nil {
		os.Rename(old, dest)
		return err
	}
	return os.Rename(old, staging)
}

// linkExisting hard-links every file of dest except _SUCCESS into staging,
// keeping subdirectories, and returns dest's manifest (or one listing its
// files with unknown row counts when it has none).
func linkExisting(dest, staging string) (Manifest, error) {
	old, err := ReadManifest(dest)
	known := err == nil
	err = filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dest, path)
		if err != nil || rel == "." || rel == SuccessFile {
			return err
		}
		target := filepath.Join(staging, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !known && !strings.HasPrefix(d.Name(), ".") {
			old.Files = append(old.Files, ManifestFile{Name: filepath.ToSlash(rel), Rows: -1})
		}
		return os.Link(path, target)
	})
	if !known {
		old.Rows = -1
	}
	return old, err
}
