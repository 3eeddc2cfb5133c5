package exec

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/plan"
)

// Write runs w's input with r and commits it as a directory of part files,
// one per non-empty partition and Hive directory, named
// part-NNNNN-<job uuid>.<ext>, plus a _SUCCESS manifest listing them.
//
// At every instant a reader of the destination sees either the old
// complete dataset or the new complete one: on local disk through a
// staging directory put in place with one rename (or renameat2 exchange),
// on object stores through the manifest, written last with one PUT. The
// protocol is package commit's (see its doc and docs/commit.md).
//
// A write that names its job (plan.Write.Job) is resumable: its tasks
// record what they commit, and after a failure or a kill the same write
// run again with the same Job computes only the partitions whose tasks had
// not committed — the others hand out their recorded files, without their
// input being computed — then commits, and removes the records; once the
// job has committed, running it again does nothing. A failed named job
// leaves its staging and records for that re-run.
//
// The tasks of the graph's last stage write and commit their files where
// they run (Execute); the job commit runs here, on the driver, over the
// files the tasks report.
func Write(ctx context.Context, r Runner, cfg Config, w *plan.Write) (m Metrics, err error) {
	var g *Graph
	defer func() {
		if g == nil {
			ReportFailedJob(cfg, err)
		}
	}()
	if err := errors.Join(w.CheckColumns(), w.CheckPartitionBy()); err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	var c *commit.Committer
	if w.Job != "" {
		c, err = commit.NewJobCommitter(w, w.Job)
	} else {
		c, err = commit.NewCommitter(w)
	}
	if err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	if done, err := c.Committed(ctx); err != nil || done {
		// A named job that has committed: a re-run does nothing.
		if done {
			c.Tidy(ctx)
		}
		return Metrics{}, err
	}
	target, skip, err := c.Prepare(ctx)
	if err != nil || skip {
		return Metrics{}, err
	}
	g, err = newGraph(w, cfg, &target)
	if err == nil {
		g.jobStarted()
		sink := &committedFiles{}
		m, err = r.Run(ctx, g, sink)
		if err == nil {
			err = c.Commit(compute.WithAllocator(ctx, g.job.cfg.Allocator), sink.files)
		}
	}
	if err != nil {
		c.Abort()
		err = fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	if g != nil {
		g.jobEnded(m, err)
	}
	return m, err
}

// committedFiles collects the rows of fileRows that write tasks hand out.
type committedFiles struct {
	mu    sync.Mutex
	files []commit.ManifestFile
}

// Consume implements Sink.
func (s *committedFiles) Consume(_ int, b arrow.RecordBatch) error {
	names, rows, sizes := b.Column(0).(*array.String), b.Column(1).(*array.Int64), b.Column(2).(*array.Int64)
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := 0; i < int(b.NumRows()); i++ {
		s.files = append(s.files, commit.ManifestFile{Name: strings.Clone(names.Value(i)), Rows: rows.Value(i), Bytes: sizes.Value(i)})
	}
	return nil
}

// Done implements Sink.
func (s *committedFiles) Done(int) error { return nil }

// Share is one share of a write job whose tasks run in separate
// processes, as the pods of a Kubernetes Indexed Job do: the share Index
// of Count runs the partitions p with p % Count == Index.
type Share struct {
	// Job is the job's id, the same in every process of the job and new
	// for each run of it (see commit.NewJobCommitter).
	Job          string
	Index, Count int
	// Parallelism is the number of the share's tasks that run at once
	// (the graph's setting when zero).
	Parallelism int
}

// ErrNotMapOnly is wrapped by the errors of WriteShare and CommitShares
// for a plan with exchanges, whose tasks depend on each other: only a
// distributed runner (package cluster, on Apache Beam) moves exchanges
// between processes.
var ErrNotMapOnly = errors.New("the plan has exchanges")

// WriteShare runs share s of w's write job with cfg: every partition of
// the job's one stage that belongs to s writes and commits its part files
// (task commit) and records them under the job's destination
// (commit.Committer.RecordTask). A task whose record exists, from an
// earlier attempt of the share, is skipped; a task that runs again
// replaces its earlier attempt's files, which have the same names. No
// task of a share depends on another share, so the shares run in any
// order, at once or not; CommitShares, run once they have all succeeded,
// commits the job.
//
// The plan must be map-only: one stage, no exchange (no Repartition,
// GroupBy, Distinct or OrderBy over several partitions); otherwise the
// error wraps ErrNotMapOnly. When the destination already holds the job's
// output (the job committed), WriteShare does nothing.
func WriteShare(ctx context.Context, cfg Config, w *plan.Write, s Share) (Metrics, error) {
	if s.Count <= 0 || s.Index < 0 || s.Index >= s.Count {
		return Metrics{}, fmt.Errorf("exec: write %s: share %d of %d: want 0 <= index < count", w.Path, s.Index, s.Count)
	}
	c, n, err := prepareShares(ctx, cfg, w, s.Job)
	if err != nil || c == nil {
		return Metrics{}, err
	}
	target, skip, err := c.Prepare(ctx)
	if err != nil || skip {
		return Metrics{}, err
	}
	start := time.Now()
	g, err := newGraph(w, cfg, &target)
	if err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	defer g.Finish()
	var mine []int
	for p := s.Index; p < n; p += s.Count {
		done, err := c.TaskRecorded(ctx, p)
		if err != nil {
			return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
		}
		if !done {
			mine = append(mine, p)
		}
	}
	parallelism := cmp.Or(s.Parallelism, g.job.cfg.Parallelism)
	err = runTasks(ctx, parallelism, len(mine), func(ctx context.Context, i int) error {
		p := mine[i]
		// The task records its files itself (writeExec, Target.Records).
		_, err := Execute(ctx, g, 0, p, nil, &committedFiles{})
		return err
	})
	if err != nil {
		return g.metrics(time.Since(start)), fmt.Errorf("exec: write %s: share %d of %d: %w", w.Path, s.Index, s.Count, err)
	}
	return g.metrics(time.Since(start)), nil
}

// CommitShares commits job, a write job whose shares (WriteShare) have all
// succeeded: it makes the files their tasks recorded the destination's
// dataset, with the same guarantees as Write (docs/commit.md), and removes
// the records. It fails, changing nothing, while some task has no record
// (the error wraps commit.ErrTasksMissing and names the partitions): run
// their shares again, then CommitShares again. It does nothing when the
// job has committed already, so a retried finishing step is harmless.
func CommitShares(ctx context.Context, cfg Config, w *plan.Write, job string) error {
	c, n, err := prepareShares(ctx, cfg, w, job)
	if err != nil || c == nil {
		return err
	}
	_, skip, err := c.Prepare(ctx)
	if err != nil || skip {
		return err
	}
	files, err := c.Recorded(ctx, n)
	if err == nil {
		err = c.Commit(compute.WithAllocator(ctx, cfg.withDefaults().Allocator), files)
	}
	if err != nil {
		return fmt.Errorf("exec: commit %s (job %s): %w", w.Path, job, err)
	}
	return nil
}

// prepareShares returns the job committer of a job run as shares and the
// number of its tasks, or a nil committer when the job has committed
// already. It fails for a plan that is not map-only.
func prepareShares(ctx context.Context, cfg Config, w *plan.Write, job string) (*commit.Committer, int, error) {
	if err := w.CheckPartitionBy(); err != nil {
		return nil, 0, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	c, err := commit.NewJobCommitter(w, job)
	if err != nil {
		return nil, 0, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	n, err := ShareTasks(cfg, w)
	if err != nil {
		return nil, 0, err
	}
	done, err := c.Committed(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	if done {
		c.Tidy(ctx)
		return nil, 0, nil
	}
	return c, n, nil
}

// ShareTasks returns the number of tasks of w's write job when it runs as
// shares (WriteShare): the partitions of its one stage. A plan with
// exchanges has no shares: the error wraps ErrNotMapOnly and points to
// the runners that can run it. It runs nothing and touches no file.
func ShareTasks(cfg Config, w *plan.Write) (int, error) {
	g, err := newGraph(w, cfg, &commit.Target{})
	if err != nil {
		return 0, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	defer g.Finish()
	if len(g.stages) > 1 {
		var xs []string
		for _, st := range g.stages[:len(g.stages)-1] {
			xs = append(xs, st.output.String())
		}
		return 0, fmt.Errorf("exec: write %s: %w (%s): its tasks cannot run as independent shares (an Indexed Job); run it with the Beam runner (package cluster) or the local runner",
			w.Path, ErrNotMapOnly, strings.Join(xs, "; "))
	}
	return g.Result().Partitions(), nil
}
