package exec

import (
	"context"
	"fmt"
	"sync"

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
// The tasks of the graph's last stage write and commit their files where
// they run (Execute); the job commit runs here, on the driver, over the
// files the tasks report.
func Write(ctx context.Context, r Runner, cfg Config, w *plan.Write) (Metrics, error) {
	if err := w.CheckPartitionBy(); err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	c, err := commit.NewCommitter(w)
	if err != nil {
		return Metrics{}, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	target, skip, err := c.Prepare(ctx)
	if err != nil || skip {
		return Metrics{}, err
	}
	var m Metrics
	g, err := newGraph(w, cfg, &target)
	if err == nil {
		sink := &committedFiles{}
		m, err = r.Run(ctx, g, sink)
		if err == nil {
			err = c.Commit(compute.WithAllocator(ctx, g.job.cfg.Allocator), sink.files)
		}
	}
	if err != nil {
		c.Abort()
		return m, fmt.Errorf("exec: write %s: %w", w.Path, err)
	}
	return m, nil
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
		s.files = append(s.files, commit.ManifestFile{Name: names.Value(i), Rows: rows.Value(i), Bytes: sizes.Value(i)})
	}
	return nil
}

// Done implements Sink.
func (s *committedFiles) Done(int) error { return nil }
