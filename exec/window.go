package exec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// window builds the physical plan of a plan.Window: rows are
// hash-exchanged on the partition keys into min(input partitions,
// parallelism) partitions (a window without PARTITION BY gathers every
// row into one partition, as Spark does), each task sorts its rows by
// (partition keys, order keys) with the spilling sort, and a windowExec
// computes the functions window partition by window partition.
func (g *Graph) window(input PhysicalNode, w *plan.Window) PhysicalNode {
	keys := w.PartitionBy()
	in := input
	switch {
	case len(keys) == 0:
		in = g.gather(input, "window")
	case input.Partitions() > 1:
		n := max(1, min(input.Partitions(), g.job.cfg.Parallelism))
		in = g.cut(input, &Exchange{Kind: Hash, Keys: keys, Partitions: n, what: "window"})
	}
	orders := windowSortOrders(w)
	if len(orders) > 0 {
		in = &sortExec{job: g.job, input: in, orders: orders}
	}
	return &windowExec{job: g.job, input: in, node: w}
}

// windowSortOrders are the partition keys (ascending, NULLs first: any
// order that brings equal keys together) followed by the order keys.
func windowSortOrders(w *plan.Window) []plan.SortOrder {
	var orders []plan.SortOrder
	for _, k := range w.PartitionBy() {
		orders = append(orders, plan.SortOrder{Expr: k, NullsFirst: true})
	}
	return append(orders, w.OrderBy()...)
}

// windowExec computes a Window's functions over its input, whose rows
// arrive sorted by (partition keys, order keys) within each partition.
type windowExec struct {
	job   *job
	input PhysicalNode
	node  *plan.Window
}

func (w *windowExec) Schema() *arrow.Schema    { return w.node.Schema() }
func (w *windowExec) Partitions() int          { return w.input.Partitions() }
func (w *windowExec) Children() []PhysicalNode { return []PhysicalNode{w.input} }
func (w *windowExec) String() string {
	return "WindowExec" + w.node.String()[len("Window"):]
}

// what names the window in budget errors.
func (w *windowExec) what() string {
	names := w.node.Outputs()
	return fmt.Sprintf("window %q (%s)", names[0], w.node.Exprs[0].DefaultName())
}

// Operator implements PhysicalNode.
func (w *windowExec) Operator(p int) (Operator, error) {
	in, err := w.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &windowOp{exec: w, input: in, partition: p}, nil
}

// windowOp computes the window functions of one task. It buffers input
// batches (reserved against the memory budget) until they hold at least
// BatchRows rows of complete window partitions, then computes every
// function over those partitions at once (a chunk) and hands the chunk
// out with the new columns. The window partition still open at the end
// of the buffer waits for the next batch; a window partition larger than
// the budget fails with ErrMemoryBudget naming the window.
type windowOp struct {
	exec      *windowExec
	input     Operator
	partition int
	ev        *eval.Evaluator
	mem       memory.Allocator

	pending    []arrow.RecordBatch // retained input batches
	pendingOff int                 // the first row of pending[0] not yet computed
	rows       int                 // rows pending, from pendingOff on
	reserved   int64               // budget reserved for pending, per batch in sizes
	sizes      []int64
	starts     []int         // window partition starts, as offsets into the pending rows
	lastKeys   []arrow.Array // partition keys of the last pending batch
	out        []arrow.RecordBatch
	eof        bool
	held       op.Holder
}

var _ Operator = (*windowOp)(nil)

func (o *windowOp) Schema() *arrow.Schema { return o.exec.Schema() }

// Open implements Operator.
func (o *windowOp) Open(ctx context.Context) error {
	o.mem = allocatorOf(ctx)
	o.ev = eval.New(ctx, o.mem, o.partition)
	return o.input.Open(ctx)
}

// Next implements Operator.
func (o *windowOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	o.held.Release()
	for len(o.out) == 0 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if o.eof {
			return nil, io.EOF
		}
		b, err := o.input.Next(ctx)
		if errors.Is(err, io.EOF) {
			o.eof = true
			if o.rows > 0 {
				if err := o.flush(o.rows); err != nil {
					return nil, err
				}
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := o.add(b); err != nil {
			return nil, err
		}
		if len(o.starts) == 0 {
			continue
		}
		if complete := o.starts[len(o.starts)-1]; complete >= o.exec.job.cfg.BatchRows {
			if err := o.flush(complete); err != nil {
				return nil, err
			}
		}
	}
	b := o.out[0]
	o.out = o.out[1:]
	return o.held.Set(b), nil
}

// add buffers b (borrowed), recording where window partitions start in
// it. When the budget has no room, the complete partitions buffered are
// computed first; a partition that still does not fit fails.
func (o *windowOp) add(b arrow.RecordBatch) error {
	n := int(b.NumRows())
	if n == 0 {
		return nil
	}
	keys, err := o.ev.Arrays(o.exec.node.PartitionBy(), b)
	if err != nil {
		return err
	}
	starts, err := o.partitionStarts(keys, n)
	if err != nil {
		eval.ReleaseArrays(keys)
		return err
	}
	eval.ReleaseArrays(o.lastKeys)
	o.lastKeys = keys
	size := arrowmem.BatchBytes(b)
	ok, err := o.exec.job.budget.reserve(size)
	if err == nil && !ok {
		if o.rows > 0 && o.starts[len(o.starts)-1] > 0 {
			complete := o.starts[len(o.starts)-1]
			if err = o.flush(complete); err == nil {
				ok, err = o.exec.job.budget.reserve(size)
			}
		}
	}
	if err != nil {
		return err
	}
	if !ok && o.reserved+size <= o.exec.job.budget.limit {
		// Other consumers hold the budget (a concurrent task's sort or
		// exchange): the partition being gathered would fit alone, so it
		// takes the room and the others spill when they next reserve.
		o.exec.job.budget.force(size)
		ok = true
	}
	if !ok {
		return fmt.Errorf("%w: %s: one window partition needs more than the memory budget of %s (it holds a whole partition when its frames need it); raise it with frame.WithMemoryBudget or partition by more keys",
			ErrMemoryBudget, o.exec.what(), formatBytes(o.exec.job.budget.limit))
	}
	b.Retain()
	for _, s := range starts {
		o.starts = append(o.starts, o.rows+s)
	}
	o.pending = append(o.pending, b)
	o.sizes = append(o.sizes, size)
	o.reserved += size
	o.rows += n
	return nil
}

// partitionStarts returns the rows of a batch (keys: its partition keys)
// that start a window partition: where the keys differ from the row
// before, the first row comparing with the last buffered one.
func (o *windowOp) partitionStarts(keys []arrow.Array, n int) ([]int, error) {
	var starts []int
	orders := make([]plan.SortOrder, len(keys))
	if o.rows == 0 {
		starts = append(starts, 0)
	} else if len(keys) > 0 {
		across, err := rowComparator(o.lastKeys, keys, orders)
		if err != nil {
			return nil, err
		}
		if across(o.lastKeys[0].Len()-1, 0) != 0 {
			starts = append(starts, 0)
		}
	}
	if len(keys) == 0 {
		return starts, nil
	}
	within, err := rowComparator(keys, keys, orders)
	if err != nil {
		return nil, err
	}
	for r := 1; r < n; r++ {
		if within(r-1, r) != 0 {
			starts = append(starts, r)
		}
	}
	return starts, nil
}

// flush computes the window functions over the first rows pending rows
// (whole window partitions) and queues the result.
func (o *windowOp) flush(rows int) error {
	var parts []arrow.RecordBatch
	defer func() {
		for _, p := range parts {
			p.Release()
		}
	}()
	taken, off := 0, o.pendingOff
	consumed := 0
	for _, b := range o.pending {
		if taken == rows {
			break
		}
		k := min(int(b.NumRows())-off, rows-taken)
		parts = append(parts, b.NewSlice(int64(off), int64(off+k)))
		taken += k
		if off+k == int(b.NumRows()) {
			consumed++
			off = 0
		} else {
			off += k
		}
	}
	var chunk arrow.RecordBatch
	if len(parts) == 1 {
		chunk = parts[0]
		chunk.Retain()
	} else {
		var err error
		if chunk, err = concatBatches(o.mem, o.exec.input.Schema(), parts); err != nil {
			return err
		}
	}
	defer chunk.Release()
	// The chunk's partitions, and what stays pending.
	var chunkStarts []int
	i := 0
	for ; i < len(o.starts) && o.starts[i] < rows; i++ {
		chunkStarts = append(chunkStarts, o.starts[i])
	}
	rest := o.starts[i:]
	o.starts = o.starts[:0:0]
	for _, s := range rest {
		o.starts = append(o.starts, s-rows)
	}
	for k := 0; k < consumed; k++ {
		o.pending[k].Release()
		o.exec.job.budget.free(o.sizes[k])
		o.reserved -= o.sizes[k]
	}
	o.pending, o.sizes = o.pending[consumed:], o.sizes[consumed:]
	o.pendingOff, o.rows = off, o.rows-rows
	if o.rows == 0 {
		eval.ReleaseArrays(o.lastKeys)
		o.lastKeys = nil
	}

	cols, err := computeWindows(o.ev, o.exec.node, chunk, chunkStarts)
	if err != nil {
		return err
	}
	all := append(append([]arrow.Array(nil), chunk.Columns()...), cols...)
	result := array.NewRecordBatch(o.exec.Schema(), all, chunk.NumRows())
	eval.ReleaseArrays(cols)
	defer result.Release()
	step := int64(max(1, o.exec.job.cfg.BatchRows))
	for lo := int64(0); lo < result.NumRows(); lo += step {
		o.out = append(o.out, result.NewSlice(lo, min(lo+step, result.NumRows())))
	}
	return nil
}

// Close implements Operator.
func (o *windowOp) Close() error {
	o.held.Release()
	for _, b := range o.out {
		b.Release()
	}
	o.out = nil
	for _, b := range o.pending {
		b.Release()
	}
	o.pending = nil
	o.exec.job.budget.free(o.reserved)
	o.reserved = 0
	eval.ReleaseArrays(o.lastKeys)
	o.lastKeys = nil
	return o.input.Close()
}
