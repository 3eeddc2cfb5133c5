package parquetio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/ember-df/ember/plan"
)

// reader reads the row groups of one partition.
type reader struct {
	src     *Source
	path    string
	f       *os.File
	pf      *file.Reader
	rr      pqarrow.RecordReader
	schema  *arrow.Schema
	mem     memory.Allocator
	left    int64   // rows the limit still allows; negative means no limit
	counts  []int64 // zero-column reads: rows per remaining row group
	rows    int     // zero-column reads: rows per batch
	current arrow.RecordBatch
}

func newReader(ctx context.Context, s *Source, pt part, opts plan.ScanOptions) (plan.BatchReader, error) {
	pqf := s.files[pt.file]
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rowGroups := pt.rowGroups
	if s.filter != nil {
		rowGroups = nil
		for _, rg := range pt.rowGroups {
			if mayMatch(s.filter, s.rowGroupStats(pqf, rg)) {
				rowGroups = append(rowGroups, rg)
			}
		}
	}
	r := &reader{src: s, path: pqf.path, schema: s.Schema(), mem: mem, left: s.limit, rows: max(opts.BatchRows, 1)}
	if len(rowGroups) == 0 {
		return r, nil
	}
	if len(s.cols) == 0 {
		for _, rg := range rowGroups {
			r.counts = append(r.counts, pqf.meta.RowGroup(rg).NumRows())
		}
		return r, nil
	}
	var err error
	if r.f, err = os.Open(pqf.path); err != nil {
		return nil, fmt.Errorf("parquetio: %w", err)
	}
	if r.pf, err = file.NewParquetReader(r.f, file.WithMetadata(pqf.meta)); err != nil {
		r.Close()
		return nil, fmt.Errorf("parquetio: %s: %w", pqf.path, err)
	}
	batch := int64(opts.BatchRows)
	if batch <= 0 {
		batch = 16384
	}
	fr, err := pqarrow.NewFileReader(r.pf, pqarrow.ArrowReadProperties{BatchSize: batch}, mem)
	if err != nil {
		r.Close()
		return nil, fmt.Errorf("parquetio: %s: %w", pqf.path, err)
	}
	var leaves []int
	for _, c := range s.cols {
		leaves = append(leaves, pqf.leaves[c]...)
	}
	if r.rr, err = fr.GetRecordReader(ctx, leaves, rowGroups); err != nil {
		r.Close()
		return nil, fmt.Errorf("parquetio: %s: %w", pqf.path, err)
	}
	return r, nil
}

// Next implements plan.BatchReader.
func (r *reader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.left == 0 {
		return nil, io.EOF
	}
	b, err := r.next(ctx)
	if err != nil {
		return nil, err
	}
	if r.left > 0 && b.NumRows() > r.left {
		sliced := b.NewSlice(0, r.left)
		b.Release()
		b = sliced
	}
	if r.left > 0 {
		r.left -= b.NumRows()
	}
	r.current = b
	return b, nil
}

// next returns the next batch, owned by the caller.
func (r *reader) next(ctx context.Context) (arrow.RecordBatch, error) {
	if r.rr == nil {
		// No columns wanted (a count): batches of rows without columns.
		for len(r.counts) > 0 && r.counts[0] == 0 {
			r.counts = r.counts[1:]
		}
		if len(r.counts) == 0 {
			return nil, io.EOF
		}
		n := min(r.counts[0], int64(r.rows))
		r.counts[0] -= n
		return array.NewRecordBatch(r.schema, nil, n), nil
	}
	if !r.rr.Next() {
		if err := r.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("parquetio: %s: %w", r.path, err)
		}
		return nil, io.EOF
	}
	b := r.rr.RecordBatch()
	return r.conform(ctx, b)
}

// conform gives b the source's schema: dictionary-encoded strings become
// plain strings. The result is owned by the caller.
func (r *reader) conform(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
	if b.Schema().Equal(r.schema) {
		b.Retain()
		return b, nil
	}
	cols := make([]arrow.Array, b.NumCols())
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	cctx := compute.WithAllocator(ctx, r.mem)
	for i, c := range b.Columns() {
		want := r.schema.Field(i).Type
		if arrow.TypeEqual(c.DataType(), want) {
			c.Retain()
			cols[i] = c
			continue
		}
		if c.DataType().ID() != arrow.DICTIONARY {
			// Same layout, other field names or metadata: relabel.
			cols[i] = array.MakeFromData(retype(c.Data(), want))
			continue
		}
		out, err := compute.CastArray(cctx, c, compute.SafeCastOptions(want))
		if err != nil {
			return nil, fmt.Errorf("parquetio: %s: column %s: %w", r.path, r.schema.Field(i).Name, err)
		}
		cols[i] = out
	}
	return array.NewRecordBatch(r.schema, cols, b.NumRows()), nil
}

func (r *reader) release() {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
}

// Close implements plan.BatchReader.
func (r *reader) Close() error {
	r.release()
	if r.rr != nil {
		r.rr.Release()
		r.rr = nil
	}
	var err error
	if r.pf != nil {
		err = r.pf.Close() // closes the file too
	} else if r.f != nil {
		err = r.f.Close()
	}
	r.pf, r.f = nil, nil
	return err
}

type emptyReader struct{}

func (emptyReader) Next(context.Context) (arrow.RecordBatch, error) { return nil, io.EOF }
func (emptyReader) Close() error                                    { return nil }

// retype relabels array data with a type of the same layout (only field
// names and metadata differ), sharing its buffers. The caller releases the
// result.
func retype(d arrow.ArrayData, t arrow.DataType) arrow.ArrayData {
	children := make([]arrow.ArrayData, len(d.Children()))
	for i, c := range d.Children() {
		var ct arrow.DataType
		switch t := t.(type) {
		case arrow.NestedType:
			ct = t.Fields()[i].Type
		default:
			ct = c.DataType()
		}
		children[i] = retype(c, ct)
		defer children[i].Release()
	}
	return array.NewData(t, d.Len(), d.Buffers(), children, d.NullN(), d.Offset())
}
