package exec

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// generateExec runs a plan.Generate (explode and its variants): each
// input row becomes one output row per element of its list (or entry of
// its map), the input's columns repeated, then the generated columns. It
// is narrow: it stays in its input's stage.
type generateExec struct {
	job   *job
	input PhysicalNode
	node  *plan.Generate
}

func (g *generateExec) Schema() *arrow.Schema    { return g.node.Schema() }
func (g *generateExec) Partitions() int          { return g.input.Partitions() }
func (g *generateExec) Children() []PhysicalNode { return []PhysicalNode{g.input} }
func (g *generateExec) String() string {
	return fmt.Sprintf("GenerateExec %s(%s) AS %v", g.node.FuncName(), g.node.Arg, g.node.Names)
}

// Operator implements PhysicalNode.
func (g *generateExec) Operator(p int) (Operator, error) {
	in, err := g.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &generateOp{exec: g, input: in, partition: p}, nil
}

// generateOp hands out the rows of one input batch in batches of about
// BatchRows rows (a single row's elements are never split), then reads
// the next.
type generateOp struct {
	exec      *generateExec
	input     Operator
	partition int
	eval      *eval.Evaluator
	cur       arrow.RecordBatch // the input batch being generated from
	arg       arrow.Array       // the generator's argument over cur
	pos       int               // cur's next row
	out       op.Holder
}

var _ Operator = (*generateOp)(nil)

func (o *generateOp) Schema() *arrow.Schema { return o.exec.node.Schema() }

// Open implements Operator.
func (o *generateOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

// Next implements Operator.
func (o *generateOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if o.cur == nil {
			b, err := o.input.Next(ctx)
			if errors.Is(err, io.EOF) {
				return nil, io.EOF
			}
			if err != nil {
				return nil, err
			}
			if o.eval == nil {
				o.eval = eval.New(ctx, allocatorOf(ctx), o.partition)
			}
			arg, err := o.eval.Array(o.exec.node.Arg, b)
			if err != nil {
				return nil, err
			}
			o.eval.Advance(b.NumRows())
			b.Retain()
			o.cur, o.arg, o.pos = b, arg, 0
		}
		out, err := o.chunk(ctx)
		if err != nil {
			return nil, err
		}
		if o.pos == int(o.cur.NumRows()) {
			o.releaseInput()
		}
		if out != nil {
			return o.out.Set(out), nil
		}
	}
}

// chunk generates the rows of cur from pos on until about BatchRows
// rows; nil when they generate none.
func (o *generateOp) chunk(ctx context.Context) (arrow.RecordBatch, error) {
	n := o.exec.node
	outer, withPos := n.Outer, n.Func == plan.GenPosExplode
	var lists *array.List
	var keys, items arrow.Array
	switch a := o.arg.(type) {
	case *array.Map:
		lists, keys, items = a.List, a.Keys(), a.Items()
	case *array.List:
		lists, items = a, a.ListValues()
	default:
		return nil, fmt.Errorf("exec: %s: the argument is %s, not a list or a map", n.FuncName(), o.arg.DataType())
	}
	mem := allocatorOf(ctx)
	rowIdx := array.NewInt32Builder(mem)
	defer rowIdx.Release()
	elemIdx := array.NewInt64Builder(mem)
	defer elemIdx.Release()
	posB := array.NewInt32Builder(mem)
	defer posB.Release()
	limit := max(1, o.exec.job.cfg.BatchRows)
	rows := int(o.cur.NumRows())
	for ; o.pos < rows && rowIdx.Len() < limit; o.pos++ {
		i := o.pos
		var start, end int64
		if lists.IsValid(i) {
			start, end = lists.ValueOffsets(i)
		}
		if start == end {
			if outer {
				rowIdx.Append(int32(i))
				elemIdx.AppendNull()
				posB.AppendNull()
			}
			continue
		}
		for j := start; j < end; j++ {
			rowIdx.Append(int32(i))
			elemIdx.Append(j)
			posB.Append(int32(j - start))
		}
	}
	if rowIdx.Len() == 0 {
		return nil, nil
	}
	ctx = compute.WithAllocator(ctx, mem)
	ri, ei, pi := rowIdx.NewArray(), elemIdx.NewArray(), posB.NewArray()
	defer ri.Release()
	defer ei.Release()
	defer pi.Release()
	cols := make([]arrow.Array, 0, n.Schema().NumFields())
	defer func() { eval.ReleaseArrays(cols) }()
	for _, c := range o.cur.Columns() {
		t, err := compute.TakeArray(ctx, c, ri)
		if err != nil {
			return nil, err
		}
		cols = append(cols, t)
	}
	if withPos {
		pi.Retain()
		cols = append(cols, pi)
	}
	for _, v := range []arrow.Array{keys, items} {
		if v == nil {
			continue
		}
		t, err := compute.TakeArray(ctx, v, ei)
		if err != nil {
			return nil, err
		}
		cols = append(cols, t)
	}
	return array.NewRecordBatch(n.Schema(), cols, int64(ri.Len())), nil
}

func (o *generateOp) releaseInput() {
	if o.cur != nil {
		o.cur.Release()
		o.arg.Release()
		o.cur, o.arg = nil, nil
	}
}

// Close implements Operator.
func (o *generateOp) Close() error {
	o.out.Release()
	o.releaseInput()
	return o.input.Close()
}
