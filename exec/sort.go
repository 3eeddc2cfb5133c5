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
// sort of several partitions is two of them (see Graph.sort): each input
// partition sorts its rows in the input's stage, in parallel, and a gather
// brings the sorted runs, in partition order, to one partition whose
// sortExec merges them (merge is true).
type sortExec struct {
	job    *job
	input  PhysicalNode
	orders []plan.SortOrder
	merge  bool // the input is sorted runs, one after the other
}

func (s *sortExec) Schema() *arrow.Schema    { return s.input.Schema() }
func (s *sortExec) Partitions() int          { return s.input.Partitions() }
func (s *sortExec) Children() []PhysicalNode { return []PhysicalNode{s.input} }
func (s *sortExec) String() string {
	if s.merge {
		return fmt.Sprintf("SortExec %v, merging sorted runs", s.orders)
	}
	return fmt.Sprintf("SortExec %v", s.orders)
}

// sort builds a stable global sort of input: one sort when the input has
// one partition, else a sort per partition, a gather, and a merge.
func (g *Graph) sort(input PhysicalNode, orders []plan.SortOrder) PhysicalNode {
	if input.Partitions() == 1 {
		return &sortExec{job: g.job, input: input, orders: orders}
	}
	runs := g.gather(&sortExec{job: g.job, input: input, orders: orders}, "sort")
	return &sortExec{job: g.job, input: runs, orders: orders, merge: true}
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
		if err := s.job.budget.reserve(n, "sort"); err != nil {
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
	comparators := make([]func(i, j int) int, len(keys))
	for i, k := range keys {
		if comparators[i], err = comparator(k, s.orders[i]); err != nil {
			return nil, 0, err
		}
	}
	compare := func(a, b int) int {
		for _, c := range comparators {
			if r := c(a, b); r != 0 {
				return r
			}
		}
		return 0
	}
	var perm []int32
	if s.merge {
		perm = mergeRuns(int(all.NumRows()), compare)
	} else {
		perm = make([]int32, all.NumRows())
		for i := range perm {
			perm[i] = int32(i)
		}
		slices.SortStableFunc(perm, func(a, b int32) int { return compare(int(a), int(b)) })
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
		if err := s.job.budget.reserve(n, "sort"); err != nil {
			return fail(err)
		}
		size += n
	}
	return sorted, size, nil
}

// mergeRuns returns the stable sorted order of rows 0..n-1 that form
// sorted runs one after the other: it finds the natural runs (a row that
// sorts before the one above it starts a run) and merges them, a row of an
// earlier run first among equals — so the result equals a stable sort of
// all n rows.
func mergeRuns(n int, compare func(a, b int) int) []int32 {
	if n == 0 {
		return nil
	}
	var starts []int // start of each run; the runs end where the next starts, or at n
	for i := 0; i < n; i++ {
		if i == 0 || compare(i-1, i) > 0 {
			starts = append(starts, i)
		}
	}
	ends := append(starts[1:len(starts):len(starts)], n)
	next := slices.Clone(starts) // the next row of each run
	// heads is a binary heap of the runs with rows left, by their next row
	// and then by run.
	less := func(r, q int) bool {
		if c := compare(next[r], next[q]); c != 0 {
			return c < 0
		}
		return r < q
	}
	heads := make([]int, len(starts))
	for r := range heads {
		heads[r] = r
	}
	down := func(i int) {
		for {
			m, l, r := i, 2*i+1, 2*i+2
			if l < len(heads) && less(heads[l], heads[m]) {
				m = l
			}
			if r < len(heads) && less(heads[r], heads[m]) {
				m = r
			}
			if m == i {
				return
			}
			heads[i], heads[m] = heads[m], heads[i]
			i = m
		}
	}
	for i := len(heads)/2 - 1; i >= 0; i-- {
		down(i)
	}
	perm := make([]int32, 0, n)
	for len(heads) > 0 {
		r := heads[0]
		perm = append(perm, int32(next[r]))
		if next[r]++; next[r] == ends[r] {
			heads[0] = heads[len(heads)-1]
			heads = heads[:len(heads)-1]
		}
		down(0)
	}
	return perm
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

// comparator orders rows of one key column as o asks, NULLs first or last.
func comparator(col arrow.Array, o plan.SortOrder) (func(i, j int) int, error) {
	var values func(i, j int) int
	switch c := col.(type) {
	case *array.String:
		values = func(i, j int) int { return cmp.Compare(c.Value(i), c.Value(j)) }
	case *array.Binary:
		values = func(i, j int) int { return cmp.Compare(string(c.Value(i)), string(c.Value(j))) }
	case *array.Uint64:
		values = func(i, j int) int { return cmp.Compare(c.Value(i), c.Value(j)) }
	case *array.Float64, *array.Float32:
		get, _ := eval.Float64Getter(c)
		values = func(i, j int) int { return compareFloats(get(i), get(j)) }
	case *array.Null:
		values = func(int, int) int { return 0 }
	default:
		get, ok := eval.Int64Getter(c)
		if !ok {
			return nil, fmt.Errorf("exec: cannot sort by values of type %s", col.DataType())
		}
		values = func(i, j int) int { return cmp.Compare(get(i), get(j)) }
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
		ni, nj := col.IsNull(i), col.IsNull(j)
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
