package frame

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/plan/optimize"
)

// run optimizes root and runs its stage graph on the session's runner as
// the job of action, recording it.
func (df *DataFrame) run(ctx context.Context, action string, root plan.Node, sink exec.Sink) error {
	if err := df.sess.checkOpen(action); err != nil {
		return err
	}
	job := df.sess.startJob(action)
	cfg := df.sess.jobConfig(df.sess.cfg, job, root)
	g, err := exec.NewGraph(optimize.Optimize(root), cfg)
	var m exec.Metrics
	if err == nil {
		m, err = exec.RunJob(ctx, df.sess.runner, g, sink)
	} else {
		exec.ReportFailedJob(cfg, err)
	}
	df.sess.finishJob(ctx, job, m, err)
	return err
}

// Count returns the number of rows. It reads no column it does not need.
func (df *DataFrame) Count(ctx context.Context) (int64, error) {
	if err := df.failure(); err != nil {
		return 0, err
	}
	root, err := plan.NewProject(df.node)
	if err != nil {
		return 0, err
	}
	var sink countSink
	if err := df.run(ctx, "Count", root, &sink); err != nil {
		return 0, err
	}
	return sink.rows.Load(), nil
}

type countSink struct{ rows atomic.Int64 }

func (s *countSink) Consume(_ int, b arrow.RecordBatch) error { s.rows.Add(b.NumRows()); return nil }
func (s *countSink) Done(int) error                           { return nil }

// Collect runs the job and returns every row as a table, partitions in
// order. The caller releases the table.
func (df *DataFrame) Collect(ctx context.Context) (arrow.Table, error) {
	if err := df.failure(); err != nil {
		return nil, err
	}
	return df.collect(ctx, "Collect", df.node)
}

func (df *DataFrame) collect(ctx context.Context, action string, root plan.Node) (arrow.Table, error) {
	sink := &collectSink{parts: map[int][]arrow.RecordBatch{}}
	defer sink.release()
	if err := df.run(ctx, action, root, sink); err != nil {
		return nil, err
	}
	var batches []arrow.RecordBatch
	for p := 0; p <= sink.maxPart; p++ {
		batches = append(batches, sink.parts[p]...)
	}
	return array.NewTableFromRecords(root.Schema(), batches), nil
}

type collectSink struct {
	mu      sync.Mutex
	parts   map[int][]arrow.RecordBatch
	maxPart int
}

func (s *collectSink) Consume(p int, b arrow.RecordBatch) error {
	b.Retain()
	s.mu.Lock()
	s.parts[p] = append(s.parts[p], b)
	s.maxPart = max(s.maxPart, p)
	s.mu.Unlock()
	return nil
}

func (s *collectSink) Done(int) error { return nil }

func (s *collectSink) release() {
	for _, bs := range s.parts {
		for _, b := range bs {
			b.Release()
		}
	}
}

// Take returns the first n rows as a table; only as much input as those
// rows need is read. The caller releases the table.
func (df *DataFrame) Take(ctx context.Context, n int64) (arrow.Table, error) {
	limited := df.Limit(n)
	if limited.err != nil {
		return nil, limited.err
	}
	return limited.collect(ctx, fmt.Sprintf("Take(%d)", n), limited.node)
}

// Explain returns the logical plan as built, the optimized plan and the
// physical plan — its stages, cut at exchanges, each with its operators —
// as Spark's extended EXPLAIN does. For a DataFrame holding an error it
// returns the error.
func (df *DataFrame) Explain() string {
	if err := df.failure(); err != nil {
		return "error: " + err.Error()
	}
	optimized := optimize.Optimize(df.node)
	var b strings.Builder
	b.WriteString("== Logical Plan ==\n")
	b.WriteString(plan.Explain(df.node))
	b.WriteString("\n== Optimized Logical Plan ==\n")
	b.WriteString(plan.Explain(optimized))
	b.WriteString("\n== Physical Plan ==\n")
	g, err := exec.NewGraph(optimized, df.sess.cfg)
	if err != nil {
		fmt.Fprintf(&b, "error: %v\n", err)
	} else {
		b.WriteString(g.Explain())
		g.Finish()
	}
	return b.String()
}

// arrowTableBatches returns the table's rows as batches, one per chunk;
// the caller releases them.
func arrowTableBatches(tbl arrow.Table) []arrow.RecordBatch {
	tr := array.NewTableReader(tbl, -1)
	defer tr.Release()
	var out []arrow.RecordBatch
	for tr.Next() {
		b := tr.RecordBatch()
		b.Retain()
		out = append(out, b)
	}
	return out
}
