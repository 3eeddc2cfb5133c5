package exec

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// TaskMetrics describe one task: one partition of one stage.
type TaskMetrics struct {
	Stage, Partition int
	// RowsRead and BatchesRead count what the task's scans produced,
	// BytesRead the Arrow memory of those batches.
	RowsRead, BatchesRead, BytesRead int64
	// RowsOutput counts the rows the task wrote: into its exchange, to
	// the result sink, or into files.
	RowsOutput int64
	Elapsed    time.Duration
}

// Execute runs one task: partition of stage of g. It reads the stage's
// inputs (its source splits, and the exchanges of earlier stages through
// shuffle), runs the stage's operators, and writes the stage's output —
// into shuffle when the stage ends at an exchange, or to out (Consume for
// each batch, then Done) when it is the graph's last stage. A write job's
// last stage writes and commits its part files itself (task commit) and
// hands out one row per committed file.
//
// Execute may run on any process that rebuilt g (UnmarshalGraph), for any
// task whose input exchanges are complete; tasks run concurrently. A
// panic in the task becomes an error naming the stage and partition.
func Execute(ctx context.Context, g *Graph, stage, partition int, shuffle Shuffle, out Sink) (m TaskMetrics, err error) {
	if stage < 0 || stage >= len(g.stages) {
		return m, fmt.Errorf("exec: no stage %d (the graph has %d)", stage, len(g.stages))
	}
	st := g.stages[stage]
	if partition < 0 || partition >= st.Partitions() {
		return m, fmt.Errorf("exec: stage %d has no partition %d (it has %d)", stage, partition, st.Partitions())
	}
	if st.output == nil && out == nil {
		return m, fmt.Errorf("exec: stage %d is the result stage and needs a sink", stage)
	}
	start := time.Now()
	stats := &taskStats{stage: &st.live}
	g.job.taskStarted(st, partition)
	ctx = compute.WithAllocator(ctx, g.job.cfg.Allocator)
	ctx = withShuffle(ctx, shuffle)
	ctx = context.WithValue(ctx, taskStatsKey{}, stats)
	defer func() {
		if r := recover(); r != nil {
			err = plan.Recovered(fmt.Sprintf("exec: stage %d partition %d", stage, partition), r)
		}
		m = TaskMetrics{Stage: stage, Partition: partition, RowsRead: stats.rowsRead.Load(), BatchesRead: stats.batchesRead.Load(),
			BytesRead: stats.bytesRead.Load(), RowsOutput: stats.rowsOutput.Load(), Elapsed: time.Since(start)}
		g.job.counters.add(m, st.output == nil)
		g.job.taskEnded(st, m, err)
	}()
	root, err := st.root.Operator(partition)
	if err != nil {
		return m, err
	}
	defer func() {
		if cerr := root.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	if err := root.Open(ctx); err != nil {
		return m, err
	}
	_, writes := st.root.(*writeExec)
	if st.output == nil {
		if err := op.Drain(ctx, root, func(b arrow.RecordBatch) error {
			if !writes {
				stats.output(b)
			}
			return out.Consume(partition, b)
		}); err != nil {
			return m, err
		}
		return m, out.Done(partition)
	}
	w := exchangeWriter{exchange: st.output, from: partition, shuffle: shuffle, next: partition % st.output.Partitions}
	defer w.close()
	return m, op.Drain(ctx, root, func(b arrow.RecordBatch) error {
		stats.output(b)
		return w.write(ctx, b)
	})
}

// taskStats are the live counters of one task; stage, the counters of
// its stage, follows them batch by batch (Graph.Progress).
type taskStats struct {
	rowsRead, batchesRead, bytesRead, rowsOutput atomic.Int64
	stage                                        *stageStats
}

// read counts a batch a scan produced.
func (s *taskStats) read(b arrow.RecordBatch) {
	bytes := arrowmem.BatchBytes(b)
	s.rowsRead.Add(b.NumRows())
	s.batchesRead.Add(1)
	s.bytesRead.Add(bytes)
	if s.stage != nil {
		s.stage.rowsRead.Add(b.NumRows())
		s.stage.batchesRead.Add(1)
		s.stage.bytesRead.Add(bytes)
	}
}

// output counts a batch the task wrote.
func (s *taskStats) output(b arrow.RecordBatch) {
	s.rowsOutput.Add(b.NumRows())
	if s.stage != nil {
		s.stage.rowsOutput.Add(b.NumRows())
	}
}

type taskStatsKey struct{}

// statsOf returns the counters of the task running with ctx (a throwaway
// set outside a task).
func statsOf(ctx context.Context) *taskStats {
	if s, ok := ctx.Value(taskStatsKey{}).(*taskStats); ok {
		return s
	}
	return &taskStats{}
}

// exchangeWriter routes one task's output batches to the partitions of
// its exchange.
type exchangeWriter struct {
	exchange *Exchange
	from     int
	shuffle  Shuffle
	// next is the output partition of the next row in round-robin mode;
	// task p starts at p, so that small inputs spread too.
	next int
	// ranges routes the rows of a Range exchange.
	ranges *rangeRouter
}

func (w *exchangeWriter) write(ctx context.Context, b arrow.RecordBatch) error {
	x := w.exchange
	switch {
	case x.Kind == Broadcast:
		for to := range x.Partitions {
			if err := w.shuffle.Write(ctx, x, w.from, to, b); err != nil {
				return err
			}
		}
		return nil
	case x.Kind == Forward:
		return w.shuffle.Write(ctx, x, w.from, w.from, b)
	case x.Kind == Gather || x.Partitions == 1:
		return w.shuffle.Write(ctx, x, w.from, 0, b)
	}
	targets := make([]int, b.NumRows())
	switch x.Kind {
	case RoundRobin:
		for i := range targets {
			targets[i] = (w.next + i) % x.Partitions
		}
		w.next = (w.next + len(targets)) % x.Partitions
	case Hash:
		if err := hashTargets(ctx, x.Keys, b, w.from, x.Partitions, targets); err != nil {
			return err
		}
	case Range:
		if w.ranges == nil {
			w.ranges = &rangeRouter{exchange: x}
			if err := w.ranges.load(ctx, w.shuffle, w.from); err != nil {
				return err
			}
		}
		if err := w.ranges.targets(ctx, b, w.from, targets); err != nil {
			return err
		}
	}
	return scatter(ctx, b, targets, x.Partitions, func(to int, part arrow.RecordBatch) error {
		defer part.Release()
		return w.shuffle.Write(ctx, x, w.from, to, part)
	})
}

// close releases what the writer holds.
func (w *exchangeWriter) close() {
	if w.ranges != nil {
		w.ranges.release()
	}
}
