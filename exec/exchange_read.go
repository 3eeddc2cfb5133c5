package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// exchangeReadExec reads one exchange: its partition p is the exchange's
// output partition p.
type exchangeReadExec struct {
	job      *job
	exchange *Exchange
}

func (r *exchangeReadExec) Schema() *arrow.Schema    { return r.exchange.Schema }
func (r *exchangeReadExec) Partitions() int          { return r.exchange.Partitions }
func (r *exchangeReadExec) Children() []PhysicalNode { return nil }
func (r *exchangeReadExec) String() string {
	return fmt.Sprintf("ExchangeReadExec exchange %d (%d partitions)", r.exchange.ID, r.exchange.Partitions)
}

// Operator implements PhysicalNode.
func (r *exchangeReadExec) Operator(p int) (Operator, error) {
	return &exchangeReadOp{exec: r, partition: p}, nil
}

type exchangeReadOp struct {
	exec      *exchangeReadExec
	partition int
	reader    plan.BatchReader
}

var _ Operator = (*exchangeReadOp)(nil)

func (o *exchangeReadOp) Schema() *arrow.Schema { return o.exec.exchange.Schema }

// Open implements Operator: it asks the task's shuffle for the partition.
func (o *exchangeReadOp) Open(ctx context.Context) error {
	sh := shuffleFrom(ctx)
	if sh == nil {
		return fmt.Errorf("exec: %s runs outside a task (no shuffle)", o.exec)
	}
	r, err := sh.Read(ctx, o.exec.exchange, o.partition)
	if err != nil {
		return err
	}
	o.reader = r
	return nil
}

// Next implements Operator.
func (o *exchangeReadOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := o.reader.Next(ctx)
		if err != nil {
			return nil, err
		}
		if b.NumRows() > 0 {
			return b, nil
		}
	}
}

// Close implements Operator.
func (o *exchangeReadOp) Close() error {
	if o.reader == nil {
		return nil
	}
	r := o.reader
	o.reader = nil
	return r.Close()
}
