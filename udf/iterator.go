package udf

import (
	"context"
	"errors"
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// IteratorFunc computes a UDF over one partition: it reads the stream of
// argument batches (each a slice of columns of equal length, borrowed
// until the result for it is yielded) and yields one result per batch, in
// order, of the same length. Setup before the loop runs once per
// partition, as in Spark's iterator pandas UDFs:
//
//	func(ctx context.Context, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error] {
//		return func(yield func(arrow.Array, error) bool) {
//			state := expensiveSetup()       // once per partition
//			for args := range batches {
//				if !yield(state.compute(args)) {
//					return
//				}
//			}
//		}
//	}
//
// Allocate results from frame.AllocatorFrom(ctx).
type IteratorFunc func(ctx context.Context, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error]

// Iterator is a named iterator UDF with a declared signature. It
// implements plan.IteratorFunction.
type Iterator struct {
	name     string
	params   []arrow.DataType
	result   arrow.DataType
	fn       IteratorFunc
	batching plan.Batching
}

var _ plan.IteratorFunction = (*Iterator)(nil)

// NewIterator declares an iterator UDF called name that returns result.
// With params, calls must pass exactly those argument types (checked when
// the plan is built); without, any arguments are accepted.
func NewIterator(name string, result arrow.DataType, fn IteratorFunc, params ...arrow.DataType) *Iterator {
	return &Iterator{name: name, params: params, result: result, fn: fn}
}

// WithBatching sets the batch bounds the function prefers (the engine
// gathers input rows to them).
func (it *Iterator) WithBatching(rows int, bytes int64) *Iterator {
	c := *it
	c.batching = plan.Batching{Rows: rows, Bytes: bytes}
	return &c
}

// Call applies the UDF to columns (names) or expressions.
func (it *Iterator) Call(args ...any) plan.Expr {
	return &plan.BatchCall{Fn: it, Args: exprs(args)}
}

// Name implements plan.BatchFunction.
func (it *Iterator) Name() string { return it.name }

// Batching implements plan.BatchFunction.
func (it *Iterator) Batching() plan.Batching { return it.batching }

// Bind implements plan.BatchFunction.
func (it *Iterator) Bind(args []arrow.Field) (arrow.DataType, error) {
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		types[i] = a.Type
	}
	return checkSignature(it.name, it.params, types, it.result)
}

// Open implements plan.BatchFunction; the executor runs iterator
// functions through Iterate instead.
func (it *Iterator) Open(context.Context, plan.JobEnv) (plan.BatchRunner, error) {
	return nil, errors.New("udf: an iterator function runs through Iterate")
}

// Iterate implements plan.IteratorFunction.
func (it *Iterator) Iterate(ctx context.Context, _ int, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error] {
	return it.fn(ctx, batches)
}
