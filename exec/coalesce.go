package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

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

func (c *coalesceExec) childPartitions(p int) [][]int {
	return [][]int{seq(c.bounds[p], c.bounds[p+1])}
}

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
			next, err := o.node.Operator(o.lo)
			if err != nil {
				return nil, err
			}
			o.lo++
			o.current = next
			if err := next.Open(ctx); err != nil {
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
