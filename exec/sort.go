package exec

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
	"github.com/ember-df/ember/internal/spill"
	"github.com/ember-df/ember/plan"
)

// sortExec sorts each partition of its input stably by its keys. A global
// sort of several partitions is a range exchange and then a sortExec (see
// Graph.sort).
type sortExec struct {
	job    *job
	input  PhysicalNode
	orders []plan.SortOrder
}

func (s *sortExec) Schema() *arrow.Schema    { return s.input.Schema() }
func (s *sortExec) Partitions() int          { return s.input.Partitions() }
func (s *sortExec) Children() []PhysicalNode { return []PhysicalNode{s.input} }
func (s *sortExec) String() string           { return "SortExec " + plan.FormatOrders(s.orders) }

// sort builds a stable global sort of input. One partition sorts in
// place. Several go through a range exchange, as Spark's do: the input is
// materialized (unless it is an exchange already), a stage samples the
// sort keys of each partition, one task turns the samples into the bounds
// of min(partitions, parallelism) ranges and broadcasts them, a stage
// routes each row to its range, and each range sorts on its own — so
// output partition i holds rows that sort before those of partition i+1,
// and rows with equal keys keep their input order (all of them land in
// one range, in the order of the partitions that sent them).
func (g *Graph) sort(input PhysicalNode, orders []plan.SortOrder) PhysicalNode {
	if input.Partitions() == 1 {
		return &sortExec{job: g.job, input: input, orders: orders}
	}
	data, ok := input.(*exchangeReadExec)
	if !ok {
		data = g.cut(input, &Exchange{Kind: Forward, Partitions: input.Partitions(), what: "sort"}).(*exchangeReadExec)
	}
	ranges := max(1, min(data.Partitions(), g.job.cfg.Parallelism))
	sample := newSampleExec(g.job, data, orders, sampleRowsPerPartition(ranges, data.Partitions()))
	samples := g.cut(sample, &Exchange{Kind: Gather, Partitions: 1, what: "sort sample"})
	bounds := &Exchange{Kind: Broadcast, Partitions: data.Partitions(), what: "sort bounds"}
	g.addStage(&boundsExec{job: g.job, input: samples, orders: orders, ranges: ranges, schema: sample.keys}, bounds)
	routed := g.cut(&exchangeReadExec{job: g.job, exchange: data.exchange},
		&Exchange{Kind: Range, Partitions: ranges, Orders: orders, Bounds: bounds, what: "sort"})
	return &sortExec{job: g.job, input: routed, orders: orders}
}

// Operator implements PhysicalNode.
func (s *sortExec) Operator(p int) (Operator, error) {
	in, err := s.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &sortOp{exec: s, input: in, partition: p}, nil
}

// sortOp sorts one partition: Open reads every input row into a sorter
// (which spills sorted runs when the budget is reached), Next hands out
// the sorted rows, from memory or from a merge of the runs.
type sortOp struct {
	exec      *sortExec
	input     Operator
	partition int
	sorter    *sorter
	out       sortedStream
	held      op.Holder
}

var _ Operator = (*sortOp)(nil)

func (o *sortOp) Schema() *arrow.Schema { return o.exec.Schema() }

// Open implements Operator: it reads and sorts the whole input.
func (o *sortOp) Open(ctx context.Context) error {
	if err := o.input.Open(ctx); err != nil {
		return err
	}
	o.sorter = newSorter(ctx, o.exec.job, o.exec.Schema(), o.exec.orders, o.partition)
	// The input arrives in the order of the partitions that wrote it, so
	// the stable sort keeps rows with equal keys in a deterministic order.
	if err := op.Drain(ctx, o.input, o.sorter.add); err != nil {
		return err
	}
	var err error
	o.out, err = o.sorter.finish(ctx)
	return err
}

// Next implements Operator.
func (o *sortOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := o.out.next(ctx, o.exec.job.cfg.BatchRows)
	if err != nil {
		o.held.Release()
		return nil, err
	}
	return o.held.Set(b), nil
}

// Close implements Operator.
func (o *sortOp) Close() error {
	o.held.Release()
	if o.out != nil {
		o.out.release()
		o.out = nil
	}
	if o.sorter != nil {
		o.sorter.release()
		o.sorter = nil
	}
	return o.input.Close()
}

// sortedStream hands out sorted rows: a sorted run in memory, or a merge
// of spilled runs.
type sortedStream interface {
	// next returns the next at most rows rows (a batch the caller
	// releases), or io.EOF after the last.
	next(ctx context.Context, rows int) (arrow.RecordBatch, error)
	// release frees what the stream holds. It is idempotent.
	release()
}

// sorter is an external sort of one partition. It buffers input
// batches, reserving twice their bytes against the budget (the rows and
// room to sort them: their keys, and the columns a take cannot read in
// place); when the budget has no room, it sorts what it buffered into a
// run, written to a spill file in batches of about spillBatchBytes. At
// the end, a sort that never spilled sorts in memory; otherwise the runs
// are merged, mergeFanIn at a time (more passes when there are more
// runs), reading each run back one batch at a time.
type sorter struct {
	ctx       context.Context // carries the allocator and serial kernels
	job       *job
	mem       memory.Allocator
	schema    *arrow.Schema
	orders    []plan.SortOrder
	keys      []plan.Expr
	partition int

	batches  []arrow.RecordBatch
	reserved int64
	runs     []*spill.File
}

func newSorter(ctx context.Context, j *job, schema *arrow.Schema, orders []plan.SortOrder, p int) *sorter {
	mem := allocatorOf(ctx)
	return &sorter{ctx: eval.New(ctx, mem, p).Context(), job: j, mem: mem, schema: schema, orders: orders, keys: sortKeys(orders), partition: p}
}

// add buffers b (borrowed for the call), spilling a run first when the
// budget has no room for it. Only a batch larger than the budget fails.
func (s *sorter) add(b arrow.RecordBatch) error {
	n := arrowmem.BatchBytes(b)
	if err := s.job.budget.check(n, "sort"); err != nil {
		return err
	}
	ok, err := s.job.budget.reserve(2 * n)
	if err == nil && !ok && len(s.batches) > 0 {
		if err = s.spillRun(); err == nil {
			ok, err = s.job.budget.reserve(2 * n)
		}
	}
	if err != nil {
		return err
	}
	b.Retain()
	if !ok {
		// Others hold the budget: this batch is a run of its own.
		return s.writeRun([]arrow.RecordBatch{b})
	}
	s.batches = append(s.batches, b)
	s.reserved += 2 * n
	return nil
}

// spillRun sorts the buffered batches into a run file and frees them.
func (s *sorter) spillRun() error {
	batches := s.batches
	s.batches = nil
	err := s.writeRun(batches)
	s.job.budget.free(s.reserved)
	s.reserved = 0
	return err
}

// writeRun sorts batches (whose references it takes) into a new run
// file.
func (s *sorter) writeRun(batches []arrow.RecordBatch) error {
	var rows, bytes int64
	for _, b := range batches {
		rows += b.NumRows()
		bytes += arrowmem.BatchBytes(b)
	}
	run, err := newSortedRun(s.ctx, s.mem, batches, s.keys, s.orders)
	if err != nil {
		return err
	}
	defer run.release()
	f, err := s.job.writeStream(s.ctx, s.schema, run, int(max(1, s.job.spillBatchBytes()*rows/max(1, bytes))))
	if err != nil {
		return err
	}
	s.runs = append(s.runs, f)
	return nil
}

// finish returns the sorted rows: a run sorted in memory when nothing
// spilled, else the merge of the runs (the buffered rows spilled as the
// last run). The stream owns what it reads; the sorter keeps the budget
// reserved until release.
func (s *sorter) finish(ctx context.Context) (sortedStream, error) {
	if len(s.runs) == 0 {
		batches := s.batches
		s.batches = nil
		return newSortedRun(s.ctx, s.mem, batches, s.keys, s.orders)
	}
	if len(s.batches) > 0 {
		if err := s.spillRun(); err != nil {
			return nil, err
		}
	}
	for len(s.runs) > mergeFanIn {
		var next []*spill.File
		for lo := 0; lo < len(s.runs); lo += mergeFanIn {
			group := s.runs[lo:min(lo+mergeFanIn, len(s.runs))]
			if len(group) == 1 {
				next = append(next, group[0])
				continue
			}
			m := newMerger(s.ctx, s.job, s.mem, s.schema, s.keys, s.orders, group)
			rows := max(1, int(group[0].Rows)/max(1, group[0].Batches))
			f, err := s.job.writeStream(s.ctx, s.schema, m, rows)
			m.release()
			if err != nil {
				s.runs = append(next, s.runs[lo+len(group):]...)
				return nil, err
			}
			next = append(next, f)
		}
		s.runs = next
	}
	m := newMerger(s.ctx, s.job, s.mem, s.schema, s.keys, s.orders, s.runs)
	s.runs = nil
	return m, nil
}

// release frees the buffered batches, their reservation and the run
// files not yet handed to a merge.
func (s *sorter) release() {
	for _, b := range s.batches {
		b.Release()
	}
	s.batches = nil
	s.job.budget.free(s.reserved)
	s.reserved = 0
	removeFiles(s.runs)
	s.runs = nil
}

// sortedRun is a set of batches and the stable sorted order of their
// rows; next takes the rows out in that order.
type sortedRun struct {
	ctx     context.Context
	batches []arrow.RecordBatch
	cols    [][]arrow.Array // per column, the chunks to take from
	perm    []int32
	pos     int
	schema  *arrow.Schema
	owned   []arrow.Array // concatenated columns
}

// newSortedRun sorts batches, whose references it takes.
func newSortedRun(ctx context.Context, mem memory.Allocator, batches []arrow.RecordBatch, keyExprs []plan.Expr, orders []plan.SortOrder) (*sortedRun, error) {
	r := &sortedRun{ctx: ctx, batches: batches}
	if len(batches) == 0 {
		return r, nil
	}
	r.schema = batches[0].Schema()
	ev := eval.New(ctx, mem, 0)
	perBatch := make([][]arrow.Array, len(batches))
	defer func() {
		for _, k := range perBatch {
			eval.ReleaseArrays(k)
		}
	}()
	for i, b := range batches {
		k, err := ev.Arrays(keyExprs, b)
		if err != nil {
			r.release()
			return nil, err
		}
		perBatch[i] = k
	}
	keys := perBatch[0]
	if len(batches) > 1 {
		keys = make([]arrow.Array, len(keyExprs))
		defer eval.ReleaseArrays(keys)
		for k := range keys {
			parts := make([]arrow.Array, len(batches))
			for i := range batches {
				parts[i] = perBatch[i][k]
			}
			joined, err := array.Concatenate(parts, mem)
			if err != nil {
				r.release()
				return nil, err
			}
			keys[k] = joined
		}
	}
	perm, err := sortedOrder(keys, orders)
	if err != nil {
		r.release()
		return nil, err
	}
	r.perm = perm
	r.cols = make([][]arrow.Array, r.schema.NumFields())
	for c := range r.cols {
		chunks := make([]arrow.Array, len(batches))
		for i, b := range batches {
			chunks[i] = b.Column(c)
		}
		if len(chunks) > 1 && !chunkedTakeSupported(chunks[0].DataType()) {
			joined, err := array.Concatenate(chunks, mem)
			if err != nil {
				r.release()
				return nil, err
			}
			r.owned = append(r.owned, joined)
			chunks = []arrow.Array{joined}
		}
		r.cols[c] = chunks
	}
	return r, nil
}

// next implements sortedStream.
func (r *sortedRun) next(_ context.Context, rows int) (arrow.RecordBatch, error) {
	if r.pos >= len(r.perm) {
		return nil, io.EOF
	}
	hi := min(r.pos+rows, len(r.perm))
	b, err := gatherRows(r.ctx, r.schema, r.cols, r.perm[r.pos:hi])
	r.pos = hi
	return b, err
}

// release implements sortedStream.
func (r *sortedRun) release() {
	for _, b := range r.batches {
		b.Release()
	}
	eval.ReleaseArrays(r.owned)
	r.batches, r.owned, r.cols, r.perm = nil, nil, nil, nil
}

// chunkedTakeSupported reports whether arrow-go's take reads chunks of
// type t in place (it concatenates the chunks of other types first).
func chunkedTakeSupported(t arrow.DataType) bool {
	return arrow.IsPrimitive(t.ID()) || arrow.IsBaseBinary(t.ID())
}

// gatherRows gathers the rows at indices (positions in the concatenation
// of each column's chunks) into a new batch of schema, which the caller
// releases.
func gatherRows(ctx context.Context, schema *arrow.Schema, cols [][]arrow.Array, indices []int32) (arrow.RecordBatch, error) {
	mem := compute.GetAllocator(ctx)
	ib := array.NewInt32Builder(mem)
	ib.AppendValues(indices, nil)
	idx := ib.NewArray()
	ib.Release()
	defer idx.Release()
	out := make([]arrow.Array, len(cols))
	defer eval.ReleaseArrays(out)
	for c, chunks := range cols {
		var err error
		if out[c], err = takeChunks(ctx, chunks, idx); err != nil {
			return nil, err
		}
	}
	return array.NewRecordBatch(schema, out, int64(len(indices))), nil
}

// takeChunks gathers the values of chunks (one array split in chunks)
// at idx.
func takeChunks(ctx context.Context, chunks []arrow.Array, idx arrow.Array) (arrow.Array, error) {
	if len(chunks) == 1 {
		return compute.TakeArray(ctx, chunks[0], idx)
	}
	chunked := arrow.NewChunked(chunks[0].DataType(), chunks)
	defer chunked.Release()
	values := compute.NewDatumWithoutOwning(chunked)
	indices := compute.NewDatumWithoutOwning(idx)
	res, err := compute.Take(ctx, *compute.DefaultTakeOptions(), values, indices)
	if err != nil {
		return nil, err
	}
	defer res.Release()
	switch d := res.(type) {
	case *compute.ArrayDatum:
		return d.MakeArray(), nil
	case *compute.ChunkedDatum:
		if parts := d.Chunks(); len(parts) == 1 {
			parts[0].Retain()
			return parts[0], nil
		}
		return array.Concatenate(d.Chunks(), compute.GetAllocator(ctx))
	}
	return nil, fmt.Errorf("exec: take returned a %s", res.Kind())
}

// rowComparator compares row i of the keys a with row j of the keys b
// (columns of the same types, one per order) as orders ask.
func rowComparator(a, b []arrow.Array, orders []plan.SortOrder) (func(i, j int) int, error) {
	comparators := make([]func(i, j int) int, len(orders))
	for k, o := range orders {
		c, err := comparator(a[k], b[k], o)
		if err != nil {
			return nil, err
		}
		comparators[k] = c
	}
	return func(i, j int) int {
		for _, c := range comparators {
			if r := c(i, j); r != 0 {
				return r
			}
		}
		return 0
	}, nil
}

// sortedOrder returns the stable sorted order of the rows of keys.
func sortedOrder(keys []arrow.Array, orders []plan.SortOrder) ([]int32, error) {
	compare, err := rowComparator(keys, keys, orders)
	if err != nil {
		return nil, err
	}
	n := 0
	if len(keys) > 0 {
		n = keys[0].Len()
	}
	perm := make([]int32, n)
	for i := range perm {
		perm[i] = int32(i)
	}
	slices.SortStableFunc(perm, func(a, b int32) int { return compare(int(a), int(b)) })
	return perm, nil
}

// concatBatches joins batches into one.
func concatBatches(mem memory.Allocator, schema *arrow.Schema, batches []arrow.RecordBatch) (arrow.RecordBatch, error) {
	cols := make([]arrow.Array, schema.NumFields())
	var rows int64
	for _, b := range batches {
		rows += b.NumRows()
	}
	defer eval.ReleaseArrays(cols)
	for c := range cols {
		parts := make([]arrow.Array, len(batches))
		for i, b := range batches {
			parts[i] = b.Column(c)
		}
		joined, err := array.Concatenate(parts, mem)
		if err != nil {
			return nil, err
		}
		cols[c] = joined
	}
	return array.NewRecordBatch(schema, cols, rows), nil
}

// comparator orders row i of a against row j of b, two key columns of
// the same type, as o asks, NULLs first or last.
func comparator(a, b arrow.Array, o plan.SortOrder) (func(i, j int) int, error) {
	if !arrow.TypeEqual(a.DataType(), b.DataType()) {
		return nil, fmt.Errorf("exec: cannot compare sort keys of types %s and %s", a.DataType(), b.DataType())
	}
	var values func(i, j int) int
	switch ca := a.(type) {
	case *array.String:
		cb := b.(*array.String)
		values = func(i, j int) int { return cmp.Compare(ca.Value(i), cb.Value(j)) }
	case *array.Binary:
		cb := b.(*array.Binary)
		values = func(i, j int) int { return cmp.Compare(string(ca.Value(i)), string(cb.Value(j))) }
	case *array.Uint64:
		cb := b.(*array.Uint64)
		values = func(i, j int) int { return cmp.Compare(ca.Value(i), cb.Value(j)) }
	case *array.Float64, *array.Float32:
		ga, _ := eval.Float64Getter(a)
		gb, _ := eval.Float64Getter(b)
		values = func(i, j int) int { return compareFloats(ga(i), gb(j)) }
	case *array.Null:
		values = func(int, int) int { return 0 }
	default:
		ga, ok := eval.Int64Getter(a)
		if !ok {
			return nil, fmt.Errorf("exec: cannot sort by values of type %s", a.DataType())
		}
		gb, _ := eval.Int64Getter(b)
		values = func(i, j int) int { return cmp.Compare(ga(i), gb(j)) }
	}
	sign := 1
	if o.Descending {
		sign = -1
	}
	nullSign := 1 // nulls last
	if o.NullsFirst {
		nullSign = -1
	}
	return func(i, j int) int {
		ni, nj := a.IsNull(i), b.IsNull(j)
		switch {
		case ni && nj:
			return 0
		case ni:
			return nullSign
		case nj:
			return -nullSign
		}
		return sign * values(i, j)
	}, nil
}

// compareFloats orders floats as Spark does: NaN above every number, and
// equal to itself.
func compareFloats(a, b float64) int {
	an, bn := math.IsNaN(a), math.IsNaN(b)
	switch {
	case an && bn:
		return 0
	case an:
		return 1
	case bn:
		return -1
	}
	return cmp.Compare(a, b)
}
