package exec

import (
	"context"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// filterExec keeps the rows whose condition is true.
type filterExec struct {
	input PhysicalNode
	cond  plan.Expr
}

func (f *filterExec) Schema() *arrow.Schema    { return f.input.Schema() }
func (f *filterExec) Partitions() int          { return f.input.Partitions() }
func (f *filterExec) Children() []PhysicalNode { return []PhysicalNode{f.input} }
func (f *filterExec) String() string           { return "FilterExec " + f.cond.String() }

// Operator implements PhysicalNode.
func (f *filterExec) Operator(p int) (Operator, error) {
	in, err := f.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &filterOp{exec: f, input: in, partition: p}, nil
}

type filterOp struct {
	exec      *filterExec
	input     Operator
	partition int
	eval      *eval.Evaluator
	out       op.Holder
	// conjuncts are the condition's top-level AND terms, evaluated one
	// after the other over the rows the earlier ones kept; one term, the
	// whole condition, when it numbers rows (monotonically_increasing_id
	// must see every row of the batch).
	conjuncts []plan.Expr
	mem       memory.Allocator
}

var _ Operator = (*filterOp)(nil)

func (o *filterOp) Schema() *arrow.Schema          { return o.exec.Schema() }
func (o *filterOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

// compactBelow is the share of a batch's rows under which the rows kept by
// the terms so far are copied out before the next term is evaluated: a
// term evaluated over fewer rows costs less, but the copy costs too.
const compactBelow = 0.5

// Next implements Operator. A batch whose rows all pass is returned as it
// came, without a copy; batches with no passing rows are skipped.
//
// The terms of an AND are evaluated in the order written, each over the
// rows all earlier terms kept: once they keep under half of the batch,
// those rows are copied out, so a selective first term (a date range, a
// ship mode) spares the later ones most of the work. NULL drops a row as
// false does, so the result is the whole condition's.
func (o *filterOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.eval == nil {
		o.mem = allocatorOf(ctx)
		o.eval = eval.New(ctx, o.mem, o.partition)
		o.conjuncts = []plan.Expr{o.exec.cond}
		if !numbersRows(o.exec.cond) {
			o.conjuncts = plan.Conjuncts(o.exec.cond)
		}
	}
	for {
		b, err := o.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := o.filter(b)
		o.eval.Advance(b.NumRows())
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		if out == b {
			o.out.Release()
			return b, nil
		}
		return o.out.Set(out), nil
	}
}

// filter returns the rows of b the condition keeps: b itself when all
// pass, nil when none does, else a new batch the caller releases.
func (o *filterOp) filter(b arrow.RecordBatch) (arrow.RecordBatch, error) {
	cur := b // owned by filter when it is not b
	release := func() {
		if cur != b {
			cur.Release()
		}
	}
	var sel *array.Boolean // the rows of cur the terms so far keep; nil: all
	defer func() {
		if sel != nil {
			sel.Release()
		}
	}()
	for k, cond := range o.conjuncts {
		mask, err := o.eval.Array(cond, cur)
		if err != nil {
			release()
			return nil, err
		}
		if sel != nil {
			both, err := andMasks(o.mem, sel, mask.(*array.Boolean))
			mask.Release()
			if err != nil {
				release()
				return nil, err
			}
			sel.Release()
			mask = both
		}
		sel = mask.(*array.Boolean)
		rows := int(cur.NumRows())
		kept := countTrue(sel)
		switch {
		case kept == 0:
			release()
			return nil, nil
		case kept == rows:
			sel.Release()
			sel = nil
			continue
		case k < len(o.conjuncts)-1 && float64(kept) >= compactBelow*float64(rows):
			continue // evaluate the next term over the same rows
		}
		next, err := compactBatch(o.eval.Context(), o.mem, cur, sel, kept)
		release()
		if err != nil {
			return nil, err
		}
		cur = next
		sel.Release()
		sel = nil
	}
	return cur, nil
}

// andMasks is a AND b for filter masks, where NULL counts as false: a
// plain boolean array without NULLs.
func andMasks(mem memory.Allocator, a, b *array.Boolean) (arrow.Array, error) {
	n := a.Len()
	buf := memory.NewResizableBuffer(mem)
	buf.Resize(int(bitutil.BytesForBits(int64(n))))
	out := buf.Bytes()
	clear(out)
	av, bv := a.Data().Buffers()[1].Bytes(), b.Data().Buffers()[1].Bytes()
	if a.Data().Offset() == 0 && b.Data().Offset() == 0 && a.NullN() == 0 && b.NullN() == 0 {
		for i := range out {
			out[i] = av[i] & bv[i]
		}
	} else {
		for i := range n {
			if a.IsValid(i) && a.Value(i) && b.IsValid(i) && b.Value(i) {
				bitutil.SetBit(out, i)
			}
		}
	}
	data := array.NewData(arrow.FixedWidthTypes.Boolean, n, []*memory.Buffer{nil, buf}, nil, 0, 0)
	buf.Release()
	defer data.Release()
	return array.MakeFromData(data), nil
}

// compactBatch returns the kept rows of b (sel true; kept of them) as a
// new batch the caller releases. It gathers them as a join gathers its
// pairs (joinTake), which for strings and fixed-width columns is a plain
// copy; arrow-go's filter goes through a general Take.
func compactBatch(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, sel *array.Boolean, kept int) (arrow.RecordBatch, error) {
	idx := make([]int32, 0, kept)
	n := sel.Len()
	if sel.NullN() == 0 && sel.Data().Offset() == 0 {
		set := sel.Data().Buffers()[1].Bytes()
		for i := 0; i < n; i += 8 {
			w := set[i/8]
			for w != 0 {
				j := i + bits.TrailingZeros8(w)
				if j < n {
					idx = append(idx, int32(j))
				}
				w &= w - 1
			}
		}
	} else {
		for i := range n {
			if sel.IsValid(i) && sel.Value(i) {
				idx = append(idx, int32(i))
			}
		}
	}
	cols, err := takeColumns(ctx, mem, b.Schema().Fields(), b.Columns(), idx)
	if err != nil {
		return nil, err
	}
	defer eval.ReleaseArrays(cols)
	return array.NewRecordBatch(b.Schema(), cols, int64(len(idx))), nil
}

// numbersRows reports whether e numbers rows, so that it must be
// evaluated over every row of a batch.
func numbersRows(e plan.Expr) bool {
	found := false
	plan.Walk(e, func(x plan.Expr) bool {
		if _, ok := x.(*plan.MonotonicID); ok {
			found = true
		}
		return !found
	})
	return found
}

func countTrue(mask *array.Boolean) int {
	if mask.NullN() == 0 {
		return bitutil.CountSetBits(mask.Data().Buffers()[1].Bytes(), mask.Data().Offset(), mask.Len())
	}
	n := 0
	for i := 0; i < mask.Len(); i++ {
		if mask.IsValid(i) && mask.Value(i) {
			n++
		}
	}
	return n
}

// Close implements Operator.
func (o *filterOp) Close() error {
	o.out.Release()
	return o.input.Close()
}
