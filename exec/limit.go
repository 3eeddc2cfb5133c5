package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/op"
)

// limitExec keeps the first n rows of its input in one partition, reading
// the input's partitions in order and only as far as needed.
type limitExec struct {
	input PhysicalNode
	n     int64
}

func (l *limitExec) Schema() *arrow.Schema    { return l.input.Schema() }
func (l *limitExec) Partitions() int          { return 1 }
func (l *limitExec) Children() []PhysicalNode { return []PhysicalNode{l.input} }
func (l *limitExec) String() string           { return fmt.Sprintf("LimitExec %d", l.n) }

func (l *limitExec) childPartitions(int) [][]int { return [][]int{seq(0, l.input.Partitions())} }

// seq returns lo, lo+1, ..., hi-1.
func seq(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
	}
	return out
}

// Operator implements PhysicalNode.
func (l *limitExec) Operator(int) (Operator, error) {
	return &limitOp{input: &concatOp{node: l.input, lo: 0, hi: l.input.Partitions()}, left: l.n}, nil
}

// limitOp passes rows through until it has passed its quota.
type limitOp struct {
	input Operator
	left  int64
	out   op.Holder
}

var _ Operator = (*limitOp)(nil)

func (o *limitOp) Schema() *arrow.Schema          { return o.input.Schema() }
func (o *limitOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

// Next implements Operator.
func (o *limitOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if o.left <= 0 {
		return nil, io.EOF
	}
	b, err := o.input.Next(ctx)
	if err != nil {
		return nil, err
	}
	if b.NumRows() <= o.left {
		o.left -= b.NumRows()
		return b, nil
	}
	out := b.NewSlice(0, o.left)
	o.left = 0
	return o.out.Set(out), nil
}

// Close implements Operator.
func (o *limitOp) Close() error {
	o.out.Release()
	return o.input.Close()
}
