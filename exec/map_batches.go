package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// mapBatchesExec applies a user's Go function to each batch.
type mapBatchesExec struct {
	input PhysicalNode
	node  *plan.MapBatches
}

func (m *mapBatchesExec) Schema() *arrow.Schema    { return m.node.OutSchema }
func (m *mapBatchesExec) Partitions() int          { return m.input.Partitions() }
func (m *mapBatchesExec) Children() []PhysicalNode { return []PhysicalNode{m.input} }
func (m *mapBatchesExec) String() string           { return "MapBatchesExec " + m.node.Name }

// Operator implements PhysicalNode.
func (m *mapBatchesExec) Operator(p int) (Operator, error) {
	in, err := m.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &mapBatchesOp{exec: m, input: in, partition: p}, nil
}

type mapBatchesOp struct {
	exec      *mapBatchesExec
	input     Operator
	partition int
	out       op.Holder
}

var _ Operator = (*mapBatchesOp)(nil)

func (o *mapBatchesOp) Schema() *arrow.Schema          { return o.exec.node.OutSchema }
func (o *mapBatchesOp) Open(ctx context.Context) error { return o.input.Open(ctx) }

// Next implements Operator. It checks the function's result against the
// declared schema, and turns a panic into an error naming the function and
// partition.
func (o *mapBatchesOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := o.input.Next(ctx)
		if err != nil {
			return nil, err
		}
		out, err := o.call(ctx, b)
		if err != nil {
			return nil, err
		}
		if out == nil {
			continue
		}
		o.out.Set(out)
		if !out.Schema().Equal(o.exec.node.OutSchema) {
			return nil, fmt.Errorf("exec: MapBatches %s returned schema %s, declared %s", o.exec.node.Name, out.Schema(), o.exec.node.OutSchema)
		}
		if out.NumRows() > 0 {
			return out, nil
		}
	}
}

func (o *mapBatchesOp) call(ctx context.Context, b arrow.RecordBatch) (out arrow.RecordBatch, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = plan.Recovered(fmt.Sprintf("exec: MapBatches %s in partition %d", o.exec.node.Name, o.partition), r)
		}
	}()
	out, err = o.exec.node.Fn(ctx, b)
	if err != nil {
		return nil, fmt.Errorf("exec: MapBatches %s in partition %d: %w", o.exec.node.Name, o.partition, err)
	}
	return out, nil
}

// Close implements Operator.
func (o *mapBatchesOp) Close() error {
	o.out.Release()
	return o.input.Close()
}
