package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/plan"
)

// MaxTopNRows is the largest LIMIT over a sort that runs as a top N
// (topNExec): each partition keeps its first n rows and one task picks
// the first n of those. A larger LIMIT sorts the whole input across
// partitions (Graph.sort), where the sort itself runs in parallel.
const MaxTopNRows = 100_000

// topNExec keeps the first n rows of each partition of its input in the
// stable order of orders, and outputs them in that order: ORDER BY …
// LIMIT n that never sorts the rest, as Spark's TakeOrderedAndProject and
// DuckDB's TOP_N do.
type topNExec struct {
	job    *job
	input  PhysicalNode
	orders []plan.SortOrder
	n      int64
}

func (t *topNExec) Schema() *arrow.Schema    { return t.input.Schema() }
func (t *topNExec) Partitions() int          { return t.input.Partitions() }
func (t *topNExec) Children() []PhysicalNode { return []PhysicalNode{t.input} }
func (t *topNExec) String() string {
	return fmt.Sprintf("TopNExec %d %s", t.n, plan.FormatOrders(t.orders))
}

// topN builds Limit(n) over Sort(orders) of input, with the rows the
// global stable sort and limit give: each partition keeps its first n
// rows (ties in their input order), a gather brings those to one
// partition in partition order, and a last top N keeps the first n. A
// row among the global first n is among its own partition's first n, and
// ties end in partition order, then input order — the global sort's.
func (g *Graph) topN(input PhysicalNode, orders []plan.SortOrder, n int64) PhysicalNode {
	top := &topNExec{job: g.job, input: input, orders: orders, n: n}
	if input.Partitions() == 1 {
		return top
	}
	return &topNExec{job: g.job, input: g.gather(top, "top-n"), orders: orders, n: n}
}

// Operator implements PhysicalNode.
func (t *topNExec) Operator(p int) (Operator, error) {
	in, err := t.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &topNOp{exec: t, input: in, partition: p, keys: sortKeys(t.orders)}, nil
}

// topNOp keeps the first n rows of one partition. It buffers the rows
// that may still be among them: once it has seen n rows, the n-th in
// sort order is the cutoff, and a later row is kept only if it sorts
// strictly before it (a tie comes later in the input, so after). When
// the buffer reaches twice n rows (or a batch), it sorts and keeps the
// first n, which moves the cutoff up. The buffer is reserved against the
// budget; when the budget has no room even after that, the rows go to an
// external sort (sorter) that spills, and the first n of its output are
// the result.
type topNOp struct {
	exec      *topNExec
	input     Operator
	partition int
	keys      []plan.Expr

	ctx      context.Context // carries the allocator and serial kernels
	mem      memory.Allocator
	ev       *eval.Evaluator
	buffered []arrow.RecordBatch
	rows     int64
	reserved int64
	cutoff   []arrow.Array // the sort keys of the n-th row, once known
	spilled  *sorter       // the external sort, once the budget is full

	// The rows and bytes of the input kept, and the rows of the batches
	// the operator makes (sizeBatches).
	seenRows, seenBytes, batchRows int64

	out  sortedStream
	left int64 // rows still to output
	held op.Holder
}

var _ Operator = (*topNOp)(nil)

func (o *topNOp) Schema() *arrow.Schema { return o.exec.Schema() }

// Open implements Operator: it reads the whole input and keeps its
// first n rows.
func (o *topNOp) Open(ctx context.Context) error {
	if err := o.input.Open(ctx); err != nil {
		return err
	}
	o.mem = allocatorOf(ctx)
	o.ev = eval.New(ctx, o.mem, o.partition)
	o.ctx = o.ev.Context()
	o.left = o.exec.n
	if o.left == 0 {
		return nil
	}
	if err := op.Drain(ctx, o.input, o.add); err != nil {
		return err
	}
	if o.spilled != nil {
		o.sizeBatches()
		var err error
		o.out, err = o.spilled.finish(ctx)
		return err
	}
	batches := o.buffered
	o.buffered = nil
	o.sizeBatches()
	run, err := newSortedRun(o.ctx, o.mem, batches, o.keys, o.exec.orders)
	if err != nil {
		return err
	}
	o.out = run
	return nil
}

// add keeps the rows of b (borrowed for the call) that sort before the
// cutoff.
func (o *topNOp) add(b arrow.RecordBatch) error {
	kept, err := o.beforeCutoff(b)
	if err != nil || kept == nil {
		return err
	}
	n := arrowmem.BatchBytes(kept)
	o.seenRows += kept.NumRows()
	o.seenBytes += n
	if o.spilled != nil {
		defer kept.Release()
		return o.spilled.add(kept)
	}
	ok, err := o.exec.job.budget.reserve(n)
	if err == nil && !ok {
		if err = o.compact(); err == nil {
			ok, err = o.exec.job.budget.reserve(n)
		}
	}
	if err != nil {
		kept.Release()
		return err
	}
	if !ok {
		defer kept.Release()
		return o.spill(kept)
	}
	o.buffered = append(o.buffered, kept)
	o.rows += kept.NumRows()
	o.reserved += n
	if o.rows >= max(2*o.exec.n, int64(o.exec.job.cfg.BatchRows)) {
		return o.compact()
	}
	return nil
}

// beforeCutoff returns the rows of b that sort strictly before the
// cutoff (all of them while there is none), as a batch the caller
// releases, or nil when there are none.
func (o *topNOp) beforeCutoff(b arrow.RecordBatch) (arrow.RecordBatch, error) {
	if b.NumRows() == 0 {
		return nil, nil
	}
	if o.cutoff == nil {
		b.Retain()
		return b, nil
	}
	keys, err := o.ev.Arrays(o.keys, b)
	if err != nil {
		return nil, err
	}
	defer eval.ReleaseArrays(keys)
	compare, err := rowComparator(keys, o.cutoff, o.exec.orders)
	if err != nil {
		return nil, err
	}
	var rows []int32
	for i := range int(b.NumRows()) {
		if compare(i, 0) < 0 {
			rows = append(rows, int32(i))
		}
	}
	switch len(rows) {
	case 0:
		return nil, nil
	case int(b.NumRows()):
		b.Retain()
		return b, nil
	}
	cols := make([][]arrow.Array, b.NumCols())
	for c := range cols {
		cols[c] = []arrow.Array{b.Column(c)}
	}
	return gatherRows(o.ctx, b.Schema(), cols, rows)
}

// compact sorts the buffered rows and keeps the first n, whose last row
// becomes the cutoff once there are n.
func (o *topNOp) compact() error {
	if len(o.buffered) == 0 {
		return nil
	}
	batches := o.buffered
	o.buffered = nil
	o.rows = 0
	o.exec.job.budget.free(o.reserved)
	o.reserved = 0
	o.sizeBatches()
	run, err := newSortedRun(o.ctx, o.mem, batches, o.keys, o.exec.orders)
	if err != nil {
		return err
	}
	defer run.release()
	// The kept rows, in batches of the usual size, fit: they are at most
	// what was reserved a moment ago.
	for o.rows < o.exec.n {
		b, err := run.next(o.ctx, int(min(o.exec.n-o.rows, o.batchRows)))
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := arrowmem.BatchBytes(b)
		o.exec.job.budget.force(n)
		o.buffered = append(o.buffered, b)
		o.rows += b.NumRows()
		o.reserved += n
	}
	last := o.buffered[len(o.buffered)-1]
	last = last.NewSlice(last.NumRows()-1, last.NumRows())
	defer last.Release()
	cutoff, err := o.ev.Arrays(o.keys, last)
	if err != nil {
		return err
	}
	eval.ReleaseArrays(o.cutoff)
	o.cutoff = cutoff
	return nil
}

// sizeBatches sets the rows of the batches the operator makes, from the
// rows and bytes of the input it kept: the usual BatchRows, fewer where
// those would be more than BatchBytes or than an eighth of the budget's
// share of a task, so that the batches a later sort buffers fit its
// budget as the input's did.
func (o *topNOp) sizeBatches() {
	cfg := o.exec.job.cfg
	o.batchRows = int64(cfg.BatchRows)
	if o.seenRows == 0 || o.seenBytes == 0 {
		return
	}
	limit := min(cfg.BatchBytes, o.exec.job.budget.limit/int64(8*max(1, cfg.Parallelism)))
	o.batchRows = min(o.batchRows, max(1, limit*o.seenRows/o.seenBytes))
}

// spill hands the buffered rows and b (borrowed) to an external sort,
// which takes every later row too.
func (o *topNOp) spill(b arrow.RecordBatch) error {
	o.spilled = newSorter(o.ctx, o.exec.job, o.exec.Schema(), o.exec.orders, o.partition)
	batches := o.buffered
	o.buffered = nil
	o.exec.job.budget.free(o.reserved)
	o.reserved, o.rows = 0, 0
	var err error
	for _, kept := range append(batches, b) {
		if err == nil {
			err = o.spilled.add(kept)
		}
	}
	for _, kept := range batches {
		kept.Release()
	}
	return err
}

// Next implements Operator.
func (o *topNOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if o.left <= 0 || o.out == nil {
		o.held.Release()
		return nil, io.EOF
	}
	b, err := o.out.next(ctx, int(min(o.left, o.batchRows)))
	if err != nil {
		o.held.Release()
		return nil, err
	}
	o.left -= b.NumRows()
	return o.held.Set(b), nil
}

// Close implements Operator.
func (o *topNOp) Close() error {
	o.held.Release()
	if o.out != nil {
		o.out.release()
		o.out = nil
	}
	if o.spilled != nil {
		o.spilled.release()
		o.spilled = nil
	}
	for _, b := range o.buffered {
		b.Release()
	}
	o.buffered = nil
	o.exec.job.budget.free(o.reserved)
	o.reserved = 0
	eval.ReleaseArrays(o.cutoff)
	o.cutoff = nil
	return o.input.Close()
}
