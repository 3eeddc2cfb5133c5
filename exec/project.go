package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// projectExec computes one column per expression.
type projectExec struct {
	input  PhysicalNode
	exprs  []plan.Expr
	schema *arrow.Schema
}

func (p *projectExec) Schema() *arrow.Schema    { return p.schema }
func (p *projectExec) Partitions() int          { return p.input.Partitions() }
func (p *projectExec) Children() []PhysicalNode { return []PhysicalNode{p.input} }
func (p *projectExec) String() string {
	return "ProjectExec " + plan.FormatExprs(p.exprs)
}

// Operator implements PhysicalNode.
func (p *projectExec) Operator(part int) (Operator, error) {
	in, err := p.input.Operator(part)
	if err != nil {
		return nil, err
	}
	return &projectOp{exec: p, input: in, partition: part}, nil
}

type projectOp struct {
	exec      *projectExec
	input     Operator
	partition int
	eval      *eval.Evaluator
	out       op.Holder
}

var _ Operator = (*projectOp)(nil)

func (o *projectOp) Schema() *arrow.Schema { return o.exec.schema }

// Open implements Operator.
func (o *projectOp) Open(ctx context.Context) error {
	return o.input.Open(ctx)
}

// Next implements Operator.
func (o *projectOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	b, err := o.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	if o.eval == nil {
		o.eval = eval.New(ctx, allocatorOf(ctx), o.partition)
	}
	cols, err := o.eval.Arrays(o.exec.exprs, b)
	if err != nil {
		return nil, err
	}
	o.eval.Advance(b.NumRows())
	out := array.NewRecordBatch(o.exec.schema, cols, b.NumRows())
	eval.ReleaseArrays(cols)
	return o.out.Set(out), nil
}

// Close implements Operator.
func (o *projectOp) Close() error {
	o.out.Release()
	return o.input.Close()
}
