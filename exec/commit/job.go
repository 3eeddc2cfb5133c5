package commit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// A job whose tasks run in processes that share nothing but the plan and
// the job's id — the shares of a Kubernetes Indexed Job — and whose job
// commit runs in yet another process (`ember commit`) keeps the usual
// protocol with three differences:
//
//   - its Target is a function of the destination and the job's id alone,
//     so every process computes the same one (on local disk a staging
//     directory named after the job, beside the destination);
//   - a task, once committed, records its files durably (RecordTask), in a
//     directory of the job's records that the job commit reads (Recorded):
//     on local disk a hidden sibling of the destination, on object stores
//     _temporary/tasks-<job>/ below it;
//   - a task that runs again writes the same file names as its earlier
//     attempt (they hold the partition and the job's id), so its files
//     replace the earlier ones and its record names them once: a retried
//     share never duplicates output.
//
// Nothing is cleaned up after a failure, so that the missing shares can run
// again and the commit be retried; a committed job removes its records.

// ErrTasksMissing is wrapped by Recorded's error when some task of the job
// has not recorded its files (its share has not run, or failed).
var ErrTasksMissing = errors.New("commit: tasks have not committed")

// jobID is what a job's id may be: it names files and directories.
var jobID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

// NewJobCommitter returns the committer of job, a write job to w's
// destination whose tasks run in separate processes (see above). job must
// be 1 to 64 letters, digits and '-', the same in every process of the
// job, and new for each run of the job: it names the part files, and a
// destination whose manifest names job already holds the job's output
// (Committed).
//
// Prepare may run in every process of the job: it checks the destination
// against the save mode, ignoring what the job itself wrote there, and
// returns the same Target each time. Abort does nothing, so that the job
// can be completed by running the missing tasks again.
func NewJobCommitter(w *plan.Write, job string) (*Committer, error) {
	if !jobID.MatchString(job) {
		return nil, fmt.Errorf("commit: job id %q: want 1 to 64 letters, digits and '-'", job)
	}
	c := &Committer{w: w, job: job}
	if dest, local := storage.LocalPath(w.Path); local {
		dest = filepath.Clean(dest)
		parent, name := filepath.Dir(dest), filepath.Base(dest)
		c.store = &localCommitter{dest: dest, mode: w.Mode, job: job, shared: true,
			staging: filepath.Join(parent, "."+name+".ember-job-"+job)}
		c.records = filepath.Join(parent, "."+name+".ember-tasks-"+job)
		return c, nil
	}
	if _, err := storage.Resolve(w.Path); err != nil {
		return nil, err
	}
	dest := strings.TrimSuffix(w.Path, "/")
	c.store = &objectCommitter{dest: dest, mode: w.Mode, job: job}
	c.records = storage.Join(dest, "_temporary/tasks-"+job)
	return c, nil
}

// taskRecord is what a task of a job committer records: the files it
// committed.
type taskRecord struct {
	Job       string         `json:"job"`
	Partition int            `json:"partition"`
	Files     []ManifestFile `json:"files"`
}

func (c *Committer) recordPath(partition int) string { return recordPath(c.records, partition) }

func recordPath(records string, partition int) string {
	return storage.Join(records, fmt.Sprintf("task-%05d.json", partition))
}

// RecordTask records durably, in one atomic write, that task partition of
// the job committed files (TaskWriter.Commit), replacing what an earlier
// attempt of the task recorded. Only a job committer (NewJobCommitter)
// records tasks.
func (c *Committer) RecordTask(ctx context.Context, partition int, files []ManifestFile) error {
	if c.records == "" {
		return errors.New("commit: RecordTask needs a job committer (NewJobCommitter)")
	}
	return RecordTask(ctx, Target{Job: c.job, Records: c.records}, partition, files)
}

// RecordTask records durably, in one atomic write, that task partition of
// the job of t (whose Records is set) committed files, replacing what an
// earlier attempt of the task recorded. Tasks call it where they run, right
// after their TaskWriter.Commit.
func RecordTask(ctx context.Context, t Target, partition int, files []ManifestFile) error {
	data, err := json.Marshal(taskRecord{Job: t.Job, Partition: partition, Files: files})
	if err != nil {
		return err
	}
	return storage.WriteFile(ctx, recordPath(t.Records, partition), data)
}

// ReadTaskRecord returns the files task partition of t's job recorded, and
// whether it has recorded any: a task that has can be skipped, handing out
// its recorded files instead.
func ReadTaskRecord(ctx context.Context, t Target, partition int) ([]ManifestFile, bool, error) {
	r, err := readRecord(ctx, t.Records, t.Job, partition)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return r.Files, true, nil
}

// TaskRecorded reports whether task partition of the job has recorded its
// files, so that a share run again can skip it.
func (c *Committer) TaskRecorded(ctx context.Context, partition int) (bool, error) {
	_, err := c.readRecord(ctx, partition)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

func (c *Committer) readRecord(ctx context.Context, partition int) (taskRecord, error) {
	return readRecord(ctx, c.records, c.job, partition)
}

func readRecord(ctx context.Context, records, job string, partition int) (taskRecord, error) {
	var r taskRecord
	path := recordPath(records, partition)
	data, err := storage.ReadFile(ctx, path)
	if err != nil {
		return r, err
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("commit: task record %s: %w", path, err)
	}
	if r.Job != job || r.Partition != partition {
		return r, fmt.Errorf("commit: task record %s is job %s partition %d", path, r.Job, r.Partition)
	}
	return r, nil
}

// Recorded returns the files that tasks 0 to n-1 of the job recorded, for
// Commit. It fails, wrapping ErrTasksMissing and naming them, when some
// task has no record.
func (c *Committer) Recorded(ctx context.Context, n int) ([]ManifestFile, error) {
	var files []ManifestFile
	var missing []int
	for p := 0; p < n; p++ {
		r, err := c.readRecord(ctx, p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			missing = append(missing, p)
		case err != nil:
			return nil, err
		default:
			files = append(files, r.Files...)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("%w: %d of %d (partitions %s)", ErrTasksMissing, len(missing), n, listInts(missing, 10))
	}
	return files, nil
}

// listInts renders up to max numbers, then how many more there are.
func listInts(xs []int, max int) string {
	var b strings.Builder
	for i, x := range xs {
		if i == max {
			fmt.Fprintf(&b, " and %d more", len(xs)-max)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprint(&b, x)
	}
	return b.String()
}

// Committed reports whether the destination's manifest names this
// committer's job: the job has committed already (a job committer's
// processes then have nothing left to do).
func (c *Committer) Committed(ctx context.Context) (bool, error) {
	if c.job == "" {
		return false, nil
	}
	m, err := ReadManifest(c.w.Path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNotManifest) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return m.Job == c.job, nil
}

// Tidy removes what a committed job left beside its destination: its task
// records and, on local disk, its staging directory, which holds the
// replaced data when the job commit stopped before deleting it. It is
// for a job committer whose job has committed (Committed); failures are
// logged.
func (c *Committer) Tidy(ctx context.Context) {
	if c.records == "" {
		return
	}
	if err := storage.RemoveAll(ctx, c.records); err != nil && !errors.Is(err, fs.ErrNotExist) {
		slog.Warn("ember: could not remove task records", "path", c.records, "err", err)
	}
	if l, ok := c.store.(*localCommitter); ok {
		if err := os.RemoveAll(l.staging); err != nil {
			slog.Warn("ember: could not remove replaced output", "path", l.staging, "err", err)
		}
	}
}
