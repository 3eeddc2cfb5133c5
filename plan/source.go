package plan

import (
	"context"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Source is what a scan reads: a format over files, or data in memory.
// Packages io/csvio and friends implement it. A Source is an immutable
// value; the optional interfaces below return narrowed copies.
//
// Schema and Partitions are called at plan time, Open once per partition
// per job, concurrently for different partitions.
type Source interface {
	// String describes the source for EXPLAIN (format, paths, options that
	// were pushed down).
	String() string
	// Schema is the schema of the batches Open yields.
	Schema() *arrow.Schema
	// Partitions is the number of partitions the source splits into; they
	// may be read in parallel.
	Partitions() int
	// Open starts reading partition p (0 <= p < Partitions()). The reader
	// must stop promptly when ctx is cancelled.
	Open(ctx context.Context, p int, opts ScanOptions) (BatchReader, error)
}

// ScanOptions are the executor's settings for one partition scan.
type ScanOptions struct {
	// Allocator allocates every buffer of every batch.
	Allocator memory.Allocator
	// BatchRows and BatchBytes bound each batch: a reader ends a batch as
	// soon as either bound is reached.
	BatchRows  int
	BatchBytes int64
}

// BatchReader streams the batches of one partition.
type BatchReader interface {
	// Next returns the next batch, or io.EOF after the last. The batch is
	// valid until the next call to Next or Close; Retain it to keep it.
	Next(ctx context.Context) (arrow.RecordBatch, error)
	// Close releases the reader's resources; it is idempotent.
	Close() error
}

// ProjectingSource is a Source that can read a subset of its columns,
// skipping the work for the others (projection pushdown).
type ProjectingSource interface {
	Source
	// Project returns a source yielding only the named columns, in the
	// source's own order.
	Project(columns []string) (Source, error)
}

// LimitingSource is a Source that can stop reading each partition after n
// rows (limit pushdown). A Limit node stays above it for the global limit.
type LimitingSource interface {
	Source
	// WithLimit returns a source that yields at most n rows per partition.
	WithLimit(n int64) Source
}

// FileFormat is the write side of a file format: it turns batches into
// the bytes of one part file. The commit protocol around it lives in the
// executor.
type FileFormat interface {
	// Name is the format's name ("csv").
	Name() string
	// Extension is the part-file extension without a dot ("csv").
	Extension() string
	// NewWriter starts a part file written to w for batches of schema s.
	NewWriter(w io.Writer, s *arrow.Schema) (BatchWriter, error)
}

// BatchWriter writes the batches of one part file.
type BatchWriter interface {
	// Write appends a batch; the batch stays owned by the caller.
	Write(batch arrow.RecordBatch) error
	// Close flushes what is buffered; it does not close the io.Writer.
	Close() error
}

// FilteringSource is a Source that can use a filter to skip data that
// cannot match it, such as Parquet row groups whose statistics rule it out.
// The filter is a hint: the source may still yield rows that do not match,
// and the Filter node stays above the scan.
type FilteringSource interface {
	Source
	// WithFilter returns a source that may skip what cond rules out; it
	// replaces any filter given before.
	WithFilter(cond Expr) Source
}
