package exec

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/op"
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
	out     op.Holder
	release func()
}

// Next implements plan.BatchReader.
func (r *sliceReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(r.batches) == 0 {
		r.out.Release()
		return nil, io.EOF
	}
	b := r.batches[0]
	r.batches = r.batches[1:]
	return r.out.Set(b), nil
}

// Close implements plan.BatchReader.
func (r *sliceReader) Close() error {
	r.out.Release()
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
