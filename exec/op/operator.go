package op

import (
	"context"
	"errors"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// Operator is one step of a partition's pipeline.
//
// The driver calls Open once, then Next until it returns io.EOF or an
// error, then Close (also after a failed Open). A batch returned by Next is
// borrowed: it is valid until the next call to Next or Close; Retain it to
// keep it longer. Operators are used by one goroutine at a time.
type Operator interface {
	// Schema is the schema of every batch Next returns.
	Schema() *arrow.Schema
	// Open prepares the operator and its inputs.
	Open(ctx context.Context) error
	// Next returns the next non-empty batch, or io.EOF after the last.
	Next(ctx context.Context) (arrow.RecordBatch, error)
	// Close releases everything the operator holds. It is idempotent.
	Close() error
}

// Holder keeps the batch an operator last returned, so that the operator
// can release it on the next call to Next (or on Close). The zero value
// holds nothing.
type Holder struct{ batch arrow.RecordBatch }

// Set releases the batch held before and keeps b, whose reference passes
// to the holder; it returns b, for the operator to hand out borrowed.
func (h *Holder) Set(b arrow.RecordBatch) arrow.RecordBatch {
	h.Release()
	h.batch = b
	return b
}

// Release releases the batch held, if any. It is idempotent.
func (h *Holder) Release() {
	if h.batch != nil {
		h.batch.Release()
		h.batch = nil
	}
}

// Drain reads an opened operator to its end, handing each batch to fn,
// which borrows it for the call. It returns nil at io.EOF, or the first
// error of Next or fn; it does not close o.
func Drain(ctx context.Context, o Operator, fn func(arrow.RecordBatch) error) error {
	for {
		b, err := o.Next(ctx)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
	}
}
