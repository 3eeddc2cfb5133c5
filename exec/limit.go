package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
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

// Operator implements PhysicalNode.
func (l *limitExec) Operator(int) (Operator, error) {
	return &limitOp{input: &concatOp{node: l.input, lo: 0, hi: l.input.Partitions()}, left: l.n}, nil
}

// limitOp passes rows through until it has passed its quota.
type limitOp struct {
	input Operator
	left  int64
	out   holder
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
	return o.out.set(out), nil
}

// Close implements Operator.
func (o *limitOp) Close() error {
	o.out.release()
	return o.input.Close()
}

// coalesceExec merges contiguous ranges of input partitions.
type coalesceExec struct {
	input  PhysicalNode
	bounds []int // output partition i reads input partitions [bounds[i], bounds[i+1])
}

func newCoalesceExec(input PhysicalNode, n int) *coalesceExec {
	in := input.Partitions()
	if n > in {
		n = in
	}
	if n < 1 {
		n = 1
	}
	bounds := make([]int, n+1)
	for i := range bounds {
		bounds[i] = i * in / n
	}
	return &coalesceExec{input: input, bounds: bounds}
}

func (c *coalesceExec) Schema() *arrow.Schema    { return c.input.Schema() }
func (c *coalesceExec) Partitions() int          { return len(c.bounds) - 1 }
func (c *coalesceExec) Children() []PhysicalNode { return []PhysicalNode{c.input} }
func (c *coalesceExec) String() string           { return fmt.Sprintf("CoalesceExec %d", c.Partitions()) }

// Operator implements PhysicalNode.
func (c *coalesceExec) Operator(p int) (Operator, error) {
	return &concatOp{node: c.input, lo: c.bounds[p], hi: c.bounds[p+1]}, nil
}

// concatOp reads input partitions lo..hi-1 one after the other, opening
// each only when the previous one is exhausted.
type concatOp struct {
	node    PhysicalNode
	lo, hi  int
	current Operator
}

var _ Operator = (*concatOp)(nil)

func (o *concatOp) Schema() *arrow.Schema      { return o.node.Schema() }
func (o *concatOp) Open(context.Context) error { return nil }

// Next implements Operator.
func (o *concatOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		if o.current == nil {
			if o.lo >= o.hi {
				return nil, io.EOF
			}
			op, err := o.node.Operator(o.lo)
			if err != nil {
				return nil, err
			}
			o.lo++
			o.current = op
			if err := op.Open(ctx); err != nil {
				return nil, err
			}
		}
		b, err := o.current.Next(ctx)
		if err == io.EOF {
			if err := o.Close(); err != nil {
				return nil, err
			}
			continue
		}
		return b, err
	}
}

// Close implements Operator.
func (o *concatOp) Close() error {
	if o.current == nil {
		return nil
	}
	err := o.current.Close()
	o.current = nil
	return err
}
