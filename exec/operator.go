package exec

import (
	"context"

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

// holder keeps the batch an operator last returned, so it can be released
// on the next call.
type holder struct{ batch arrow.RecordBatch }

// set releases the previous batch and keeps b (which the holder now owns).
func (h *holder) set(b arrow.RecordBatch) arrow.RecordBatch {
	h.release()
	h.batch = b
	return b
}

func (h *holder) release() {
	if h.batch != nil {
		h.batch.Release()
		h.batch = nil
	}
}
