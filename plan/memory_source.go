package plan

import (
	"context"
	"fmt"
	"io"

	"github.com/apache/arrow-go/v18/arrow"
)

// MemorySource serves batches held in memory, one slice of batches per
// partition. It holds a reference to every batch until Release.
type MemorySource struct {
	schema *arrow.Schema
	parts  [][]arrow.RecordBatch
	cols   []int // projected column indices; nil means all
	limit  int64 // rows per partition; negative means no limit
}

// NewMemorySource returns a source over the given partitions. It retains
// every batch; the caller keeps its own references. Every batch must have
// schema s.
func NewMemorySource(s *arrow.Schema, partitions [][]arrow.RecordBatch) (*MemorySource, error) {
	for p, batches := range partitions {
		for i, b := range batches {
			if !b.Schema().Equal(s) {
				return nil, fmt.Errorf("plan: memory source: batch %d of partition %d has schema %s, want %s", i, p, b.Schema(), s)
			}
			b.Retain()
		}
	}
	if len(partitions) == 0 {
		partitions = [][]arrow.RecordBatch{nil}
	}
	return &MemorySource{schema: s, parts: partitions, limit: -1}, nil
}

// Release drops the source's references to its batches. A plan that uses
// the source must not run afterwards.
func (m *MemorySource) Release() {
	for _, batches := range m.parts {
		for _, b := range batches {
			b.Release()
		}
	}
	m.parts = nil
}

func (m *MemorySource) String() string {
	s := fmt.Sprintf("memory %s, %d partitions", fieldNames(m.Schema()), len(m.parts))
	if m.limit >= 0 {
		s += fmt.Sprintf(", limit %d", m.limit)
	}
	return s
}

// Schema implements Source.
func (m *MemorySource) Schema() *arrow.Schema {
	if m.cols == nil {
		return m.schema
	}
	fields := make([]arrow.Field, len(m.cols))
	for i, c := range m.cols {
		fields[i] = m.schema.Field(c)
	}
	return arrow.NewSchema(fields, nil)
}

// Partitions implements Source.
func (m *MemorySource) Partitions() int { return len(m.parts) }

// Project implements ProjectingSource.
func (m *MemorySource) Project(columns []string) (Source, error) {
	out := *m
	out.cols = make([]int, 0, len(columns))
	for i, f := range m.schema.Fields() {
		for _, c := range columns {
			if c == f.Name && (m.cols == nil || contains(m.cols, i)) {
				out.cols = append(out.cols, i)
			}
		}
	}
	if len(out.cols) != len(columns) {
		return nil, fmt.Errorf("plan: memory source: cannot project %v from %s", columns, m.Schema())
	}
	return &out, nil
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// WithLimit implements LimitingSource.
func (m *MemorySource) WithLimit(n int64) Source {
	out := *m
	out.limit = n
	return &out
}

// Open implements Source. Batches larger than opts.BatchRows are sliced.
func (m *MemorySource) Open(_ context.Context, p int, opts ScanOptions) (BatchReader, error) {
	return &memoryReader{src: m, batches: m.parts[p], maxRows: int64(opts.BatchRows), left: m.limit}, nil
}

type memoryReader struct {
	src     *MemorySource
	batches []arrow.RecordBatch
	offset  int64
	maxRows int64
	left    int64
	current arrow.RecordBatch
}

func (r *memoryReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for len(r.batches) > 0 && r.offset >= r.batches[0].NumRows() {
		r.batches, r.offset = r.batches[1:], 0
	}
	if len(r.batches) == 0 || (r.src.limit >= 0 && r.left <= 0) {
		return nil, io.EOF
	}
	b := r.batches[0]
	end := b.NumRows()
	if r.maxRows > 0 && end-r.offset > r.maxRows {
		end = r.offset + r.maxRows
	}
	if r.src.limit >= 0 && end-r.offset > r.left {
		end = r.offset + r.left
	}
	slice := b.NewSlice(r.offset, end)
	r.left -= end - r.offset
	r.offset = end
	if r.src.cols != nil {
		cols := make([]arrow.Array, len(r.src.cols))
		for i, c := range r.src.cols {
			cols[i] = slice.Column(c)
		}
		projected := newBatch(r.src.Schema(), cols, slice.NumRows())
		slice.Release()
		slice = projected
	}
	r.current = slice
	return slice, nil
}

func (r *memoryReader) release() {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
}

func (r *memoryReader) Close() error {
	r.release()
	return nil
}

var _ io.Closer = (*memoryReader)(nil)
