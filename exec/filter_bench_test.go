package exec

import (
	"context"
	"io"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// replayNode is one partition that returns the same batches on every
// run, for benchmarks of the operator above it.
type replayNode struct {
	schema  *arrow.Schema
	batches []arrow.RecordBatch
}

func (r *replayNode) Schema() *arrow.Schema    { return r.schema }
func (r *replayNode) Partitions() int          { return 1 }
func (r *replayNode) Children() []PhysicalNode { return nil }
func (r *replayNode) String() string           { return "replay" }
func (r *replayNode) Operator(int) (Operator, error) {
	return &replayOp{node: r}, nil
}

type replayOp struct {
	node *replayNode
	next int
}

func (o *replayOp) Schema() *arrow.Schema      { return o.node.schema }
func (o *replayOp) Open(context.Context) error { return nil }
func (o *replayOp) Close() error               { return nil }

// Next returns the node's batches, which it keeps owning.
func (o *replayOp) Next(context.Context) (arrow.RecordBatch, error) {
	if o.next == len(o.node.batches) {
		return nil, io.EOF
	}
	o.next++
	return o.node.batches[o.next-1], nil
}

// BenchmarkFilter runs a filter over 16 batches of 64Ki lineitem-like rows
// with conditions shaped like TPC-H's: query 1's date bound (keeps 96%),
// query 6's ranges (under 1%), query 19's ship instruction IN and flag
// (about 4%), query 12's flag IN then comparisons. Run it here and at an
// earlier commit (a worktree) to compare.
func BenchmarkFilter(b *testing.B) {
	mem := memory.NewGoAllocator()
	batch := lineitemLike(mem, 64<<10)
	defer batch.Release()
	node := &replayNode{schema: batch.Schema()}
	for range 16 {
		node.batches = append(node.batches, batch)
	}
	date := func(d int) plan.Expr { return plan.TypedLit(int64(d), arrow.FixedWidthTypes.Date32) }
	and := func(terms ...plan.Expr) plan.Expr {
		e := terms[0]
		for _, t := range terms[1:] {
			e = plan.NewBinary(plan.OpAnd, e, t)
		}
		return e
	}
	in := func(col string, vals ...string) plan.Expr {
		args := []plan.Expr{plan.Col(col)}
		for _, v := range vals {
			args = append(args, plan.Lit(v))
		}
		e, err := plan.NewBuiltin("in", args...)
		if err != nil {
			b.Fatal(err)
		}
		return e
	}
	conds := []struct {
		name string
		cond plan.Expr
	}{
		{"q1", plan.NewBinary(plan.OpLe, plan.Col("sd"), date(10400))},
		{"q6", and(plan.NewBinary(plan.OpGe, plan.Col("sd"), date(9000)), plan.NewBinary(plan.OpLt, plan.Col("sd"), date(9365)),
			plan.NewBinary(plan.OpGe, plan.Col("d"), plan.Lit(0.05)), plan.NewBinary(plan.OpLe, plan.Col("d"), plan.Lit(0.07)),
			plan.NewBinary(plan.OpLt, plan.Col("q"), plan.Lit(0.24)))},
		{"q19", and(in("ins", "DELIVER 0007", "DELIVER 000007"), plan.NewBinary(plan.OpEq, plan.Col("rf"), plan.Lit("A")))},
		{"q12", and(in("rf", "A", "B"), plan.NewBinary(plan.OpLt, plan.Col("q"), plan.Col("p")),
			plan.NewBinary(plan.OpLt, plan.Col("d"), plan.Col("p")), plan.NewBinary(plan.OpGe, plan.Col("sd"), date(9000)),
			plan.NewBinary(plan.OpLt, plan.Col("sd"), date(9365)))},
	}
	for _, c := range conds {
		cond, err := c.cond.Resolve(batch.Schema())
		if err != nil {
			b.Fatal(err)
		}
		f := &filterExec{input: node, cond: cond}
		b.Run(c.name, func(b *testing.B) {
			ctx := context.Background()
			for b.Loop() {
				o, err := f.Operator(0)
				if err != nil {
					b.Fatal(err)
				}
				if err := o.Open(ctx); err != nil {
					b.Fatal(err)
				}
				for {
					if _, err := o.Next(ctx); err == io.EOF {
						break
					} else if err != nil {
						b.Fatal(err)
					}
				}
				o.Close()
			}
		})
	}
}
