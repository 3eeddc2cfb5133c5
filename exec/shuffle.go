package exec

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// Shuffle moves batches across the exchanges of a Graph: tasks of the
// writing stage Write into it, tasks of the reading stage Read from it.
// The local runner keeps exchanges in memory; a distributed runner keeps
// them where its workers can reach them (Beam: a GroupByKey).
//
// Write and Read are called concurrently by different tasks. Every batch a
// task writes is in the exchange when its Execute returns without error.
type Shuffle interface {
	// Write adds batch b (borrowed for the call) to output partition to of
	// exchange x, from task from of the writing stage. The batches of
	// one task arrive in order.
	Write(ctx context.Context, x *Exchange, from, to int, b arrow.RecordBatch) error
	// Read returns the batches of output partition to of exchange x:
	// ordered by writing task, and each task's in the order it wrote
	// them. It is called once per reading task and output partition.
	Read(ctx context.Context, x *Exchange, to int) (plan.BatchReader, error)
}

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

type shuffleKey struct{}

func withShuffle(ctx context.Context, sh Shuffle) context.Context {
	return context.WithValue(ctx, shuffleKey{}, sh)
}

func shuffleFrom(ctx context.Context) Shuffle {
	sh, _ := ctx.Value(shuffleKey{}).(Shuffle)
	return sh
}

// sliceReader serves batches it owns, releasing each once the next is
// asked for; release runs once when it closes.
type sliceReader struct {
	batches []arrow.RecordBatch
	out     holder
	release func()
}

// Next implements plan.BatchReader.
func (r *sliceReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(r.batches) == 0 {
		r.out.release()
		return nil, io.EOF
	}
	b := r.batches[0]
	r.batches = r.batches[1:]
	return r.out.set(b), nil
}

// Close implements plan.BatchReader.
func (r *sliceReader) Close() error {
	r.out.release()
	for _, b := range r.batches {
		b.Release()
	}
	r.batches = nil
	if r.release != nil {
		r.release()
		r.release = nil
	}
	return nil
}
