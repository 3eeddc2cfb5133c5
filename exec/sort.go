package exec

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/internal/arrowmem"
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
	return &bufferOp{schema: s.Schema(), job: s.job, input: in, load: func(ctx context.Context) ([]arrow.RecordBatch, int64, error) {
		return s.sort(ctx, in)
	}}, nil
}

// sort reads every input row and returns them sorted, in batches of at
// most BatchRows rows, with the bytes they hold reserved.
func (s *sortExec) sort(ctx context.Context, in Operator) ([]arrow.RecordBatch, int64, error) {
	// The input arrives in the order of the partitions that wrote it, so
	// the stable sort keeps rows with equal keys in a deterministic order.
	var batches []arrow.RecordBatch
	var held int64
	defer func() {
		for _, b := range batches {
			b.Release()
		}
		s.job.budget.free(held)
	}()
	err := op.Drain(ctx, in, func(b arrow.RecordBatch) error {
		n := arrowmem.BatchBytes(b)
		if err := s.job.budget.reserveOrFail(n, "sort"); err != nil {
			return err
		}
		b.Retain()
		batches = append(batches, b)
		held += n
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	if len(batches) == 0 {
		return nil, 0, nil
	}
	mem := allocatorOf(ctx)
	all, err := concatBatches(mem, s.Schema(), batches)
	if err != nil {
		return nil, 0, err
	}
	defer all.Release()
	ev := eval.New(ctx, mem, 0)
	keyExprs := make([]plan.Expr, len(s.orders))
	for i, o := range s.orders {
		keyExprs[i] = o.Expr
	}
	keys, err := ev.Arrays(keyExprs, all)
	if err != nil {
		return nil, 0, err
	}
	defer eval.ReleaseArrays(keys)
	perm, err := sortedOrder(keys, s.orders)
	if err != nil {
		return nil, 0, err
	}
	rows := s.job.cfg.BatchRows
	var sorted []arrow.RecordBatch
	var size int64
	fail := func(err error) ([]arrow.RecordBatch, int64, error) {
		for _, b := range sorted {
			b.Release()
		}
		s.job.budget.free(size)
		return nil, 0, err
	}
	for lo := 0; lo < len(perm); lo += rows {
		hi := min(lo+rows, len(perm))
		ib := array.NewInt32Builder(mem)
		ib.AppendValues(perm[lo:hi], nil)
		idx := ib.NewArray()
		ib.Release()
		out, err := eval.TakeBatch(ctx, all, idx)
		idx.Release()
		if err != nil {
			return fail(err)
		}
		sorted = append(sorted, out)
		n := arrowmem.BatchBytes(out)
		if err := s.job.budget.reserveOrFail(n, "sort"); err != nil {
			return fail(err)
		}
		size += n
	}
	return sorted, size, nil
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
