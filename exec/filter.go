package exec

import (
	"context"
	"encoding/binary"
	"math/bits"
	"slices"

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
	// refs are the names of the columns each conjunct reads.
	refs [][]string
	mem  memory.Allocator
	// idx, pos and runs are scratch space reused from batch to batch.
	idx  []int32
	pos  []int32
	runs []rowRun
}

var _ Operator = (*filterOp)(nil)

func (o *filterOp) Schema() *arrow.Schema          { return o.exec.Schema() }
func (o *filterOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

// compactBelow is the share of the rows in play under which the rows kept
// by the terms so far become the rows the next term sees: a term
// evaluated over fewer rows costs less, but gathering its columns costs
// too.
const compactBelow = 0.5

// Next implements Operator. A batch whose rows all pass is returned as it
// came, without a copy; batches with no passing rows are skipped.
//
// The terms of an AND are evaluated cheapest first (cheapFirst), each
// over the rows all earlier terms kept: once they keep under half of the rows in
// play, the next term sees only the kept rows of the columns it reads, so
// a selective first term (a date range, a ship mode) spares the later
// ones most of the work, and the batch's other columns are copied once,
// at the end, for the rows every term kept. NULL drops a row as false
// does, so the result is the whole condition's.
func (o *filterOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.eval == nil {
		o.mem = allocatorOf(ctx)
		o.eval = eval.New(ctx, o.mem, o.partition)
		o.conjuncts = []plan.Expr{o.exec.cond}
		if !numbersRows(o.exec.cond) {
			o.conjuncts = cheapFirst(plan.Conjuncts(o.exec.cond))
		}
		o.refs = make([][]string, len(o.conjuncts))
		for k, c := range o.conjuncts {
			o.refs[k] = plan.ReferencedColumns(c)
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
	var idx []int32         // the rows of b in play, ascending; nil: all of them
	var mask *array.Boolean // the rows in play that the terms since idx was set keep; nil: all
	var gathered frameColumns
	defer func() {
		if mask != nil {
			mask.Release()
		}
		gathered.release()
	}()
	for k, cond := range o.conjuncts {
		in, rows := b, int(b.NumRows())
		if idx != nil {
			var err error
			if in, err = gathered.batch(o.eval.Context(), o.mem, b, o.refs[k], idx); err != nil {
				return nil, err
			}
			rows = len(idx)
		}
		m, err := o.eval.Array(cond, in)
		if in != b {
			in.Release()
		}
		if err != nil {
			return nil, err
		}
		if mask != nil {
			both, err := andMasks(o.mem, mask, m.(*array.Boolean))
			m.Release()
			if err != nil {
				return nil, err
			}
			mask.Release()
			m = both
		}
		mask = m.(*array.Boolean)
		kept := countTrue(mask)
		switch {
		case kept == 0:
			return nil, nil
		case kept == rows:
			mask.Release()
			mask = nil
			continue
		case k < len(o.conjuncts)-1 && float64(kept) >= compactBelow*float64(rows):
			continue // evaluate the next term over the same rows
		}
		idx = o.keep(idx, mask, kept)
		mask.Release()
		mask = nil
		gathered.release()
	}
	if idx == nil {
		return b, nil
	}
	sel := newSelection(idx, o.runs)
	if sel.runs != nil {
		o.runs = sel.runs
	}
	return takeSelected(o.eval.Context(), o.mem, b, sel)
}

// keep narrows the rows in play (idx; nil: all) to those mask keeps (kept
// of them), reusing o's index buffer: the result is valid until the next
// batch.
func (o *filterOp) keep(idx []int32, mask *array.Boolean, kept int) []int32 {
	if idx == nil {
		o.idx = selectedRows(o.idx[:0], mask, kept)
		return o.idx
	}
	// The kept rows are a subsequence of idx (position p to j <= p), so
	// they narrow it in place.
	o.pos = selectedRows(o.pos, mask, kept)
	for j, p := range o.pos {
		idx[j] = idx[p]
	}
	return idx[:len(o.pos)]
}

// selectedRows appends to dst the positions mask keeps (true, not NULL;
// kept of them), ascending.
func selectedRows(dst []int32, mask *array.Boolean, kept int) []int32 {
	dst = slices.Grow(dst[:0], kept)
	n := mask.Len()
	if kept == 0 {
		return dst
	}
	if mask.NullN() != 0 || mask.Data().Offset() != 0 {
		for i := range n {
			if mask.IsValid(i) && mask.Value(i) {
				dst = append(dst, int32(i))
			}
		}
		return dst
	}
	set := mask.Data().Buffers()[1].Bytes()
	full := n / 64
	for w := range full {
		word := binary.LittleEndian.Uint64(set[w*8:])
		base := int32(w * 64)
		if word == ^uint64(0) {
			for b := range int32(64) {
				dst = append(dst, base+b)
			}
			continue
		}
		for word != 0 {
			dst = append(dst, base+int32(bits.TrailingZeros64(word)))
			word &= word - 1
		}
	}
	for i := full * 64; i < n; i++ {
		if bitutil.BitIsSet(set, i) {
			dst = append(dst, int32(i))
		}
	}
	return dst
}

// frameColumns holds the columns of a batch gathered at the rows in play,
// for the terms that read them; each is gathered once however many terms
// read it.
type frameColumns struct {
	cols map[int]arrow.Array // by column of the batch
}

// batch returns the columns of b named by refs (every column of each
// name, so that a reference resolves as it does in b), gathered at idx,
// as a batch of len(idx) rows the caller releases.
func (f *frameColumns) batch(ctx context.Context, mem memory.Allocator, b arrow.RecordBatch, refs []string, idx []int32) (arrow.RecordBatch, error) {
	var fields []arrow.Field
	var cols []arrow.Array
	var sel selection
	for k, field := range b.Schema().Fields() {
		if !slices.Contains(refs, field.Name) {
			continue
		}
		c, ok := f.cols[k]
		if !ok {
			if sel.idx == nil {
				sel = newSelection(idx, nil)
			}
			one := array.NewRecordBatch(arrow.NewSchema([]arrow.Field{field}, nil), []arrow.Array{b.Column(k)}, b.NumRows())
			taken, err := takeSelected(ctx, mem, one, sel)
			one.Release()
			if err != nil {
				return nil, err
			}
			c = taken.Column(0)
			c.Retain()
			taken.Release()
			if f.cols == nil {
				f.cols = map[int]arrow.Array{}
			}
			f.cols[k] = c
		}
		fields = append(fields, field)
		cols = append(cols, c)
	}
	md := b.Schema().Metadata()
	return array.NewRecordBatch(arrow.NewSchema(fields, &md), cols, int64(len(idx))), nil
}

// release drops the gathered columns, when the rows in play change and
// at the end of a batch.
func (f *frameColumns) release() {
	for k, c := range f.cols {
		c.Release()
		delete(f.cols, k)
	}
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
	if mask.Len() == 0 {
		return 0
	}
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
