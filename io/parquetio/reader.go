package parquetio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// defaultBatchRows bounds batches when ScanOptions.BatchRows is unset.
const defaultBatchRows = 16384

// readDictionaries is whether wholly dictionary-encoded string columns
// are read as dictionaries (dictstrings.go); tests and benchmarks turn it
// off to compare with the plain reader.
var readDictionaries = func() *atomic.Bool {
	var b atomic.Bool
	b.Store(true)
	return &b
}()

// reader reads the row groups of one partition.
type reader struct {
	path    string
	f       storage.File
	pf      *file.Reader
	rr      pqarrow.RecordReader // nil when the file has none of the columns
	schema  *arrow.Schema
	conform conformer
	left    int64   // rows the limit still allows; negative means no limit
	counts  []int64 // without rr: rows per remaining row group
	rows    int     // without rr: rows per batch
	err     error   // sticky: after an error (a decoder panic above all) rr is unusable
	current arrow.RecordBatch
}

var _ plan.BatchReader = (*reader)(nil)

func newReader(ctx context.Context, s *Source, pt part, opts plan.ScanOptions) (_ plan.BatchReader, err error) {
	pqf := s.files[pt.file]
	var r *reader
	defer func() {
		if err != nil && r != nil {
			r.Close()
		}
	}()
	defer recoverCorrupt(pqf.path, &err) // before the Close above
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	mem := opts.Allocator
	if mem == nil {
		mem = memory.DefaultAllocator
	}
	rowGroups := pt.rowGroups
	if s.filter != nil {
		rowGroups = nil
		for _, rg := range pt.rowGroups {
			if plan.MayMatch(s.filter, rowGroupStats(pqf, rg)) {
				rowGroups = append(rowGroups, rg)
			}
		}
	}
	if len(rowGroups) == 0 || s.Limit == 0 {
		return emptyReader{}, nil
	}
	var leaves, fields []int // the file's leaves and top-level fields read
	for _, c := range s.Cols {
		if i := pqf.schema.FieldIndices(s.Full.Field(c).Name); len(i) > 0 {
			leaves = append(leaves, pqf.leaves[i[0]]...)
			fields = append(fields, i[0])
		}
	}
	batch := batchRows(pqf, rowGroups, leaves, opts)
	if s.Limit > 0 {
		// Decode no more than the limit needs.
		batch = min(batch, s.Limit)
	}
	r = &reader{
		path:    pqf.path,
		schema:  s.Schema(),
		conform: conformer{ctx: compute.WithAllocator(context.Background(), mem), mem: mem, path: pqf.path},
		left:    s.Limit,
		rows:    int(batch),
	}
	if len(leaves) == 0 {
		// No column of the file is wanted (a count, or columns only other
		// files have): batches of NULLs, as many rows as the row groups.
		for _, rg := range rowGroups {
			r.counts = append(r.counts, pqf.meta.RowGroup(rg).NumRows())
		}
		return r, nil
	}
	if r.f, err = storage.OpenFile(ctx, pqf.path, pqf.size); err != nil {
		return nil, fmt.Errorf("parquetio: %w", err)
	}
	props := parquet.NewReaderProperties(mem)
	if s.Limit > 0 {
		// Read pages as they are needed rather than whole column chunks,
		// so a limit stops reading early.
		props.BufferedStreamEnabled = true
	}
	if r.pf, err = file.NewParquetReader(io.NewSectionReader(r.f, 0, r.f.Size()), file.WithMetadata(pqf.meta), file.WithReadProps(props)); err != nil {
		return nil, fmt.Errorf("parquetio: %s: %w", pqf.path, err)
	}
	arrowProps := pqarrow.ArrowReadProperties{BatchSize: batch}
	if readDictionaries.Load() {
		for _, leaf := range dictionaryLeaves(pqf, rowGroups, fields, batch) {
			arrowProps.SetReadDict(leaf, true)
		}
	}
	fr, err := pqarrow.NewFileReader(r.pf, arrowProps, mem)
	if err != nil {
		return nil, fmt.Errorf("parquetio: %s: %w", pqf.path, err)
	}
	if r.rr, err = fr.GetRecordReader(ctx, leaves, rowGroups); err != nil {
		return nil, fmt.Errorf("parquetio: %s: %w", pqf.path, err)
	}
	return r, nil
}

// batchRows is the rows per batch: ScanOptions.BatchRows, fewer when the
// row groups' uncompressed size per row says that many rows would exceed
// BatchBytes. (Parquet's uncompressed size is of encoded pages, so it is
// an estimate of the Arrow size.)
func batchRows(pqf parquetFile, rowGroups, leaves []int, opts plan.ScanOptions) int64 {
	rows := int64(opts.BatchRows)
	if rows <= 0 {
		rows = defaultBatchRows
	}
	if opts.BatchBytes <= 0 || len(leaves) == 0 {
		return rows
	}
	var n, bytes int64
	for _, rg := range rowGroups {
		md := pqf.meta.RowGroup(rg)
		n += md.NumRows()
		for _, leaf := range leaves {
			if cc, err := md.ColumnChunk(leaf); err == nil {
				bytes += max(cc.TotalUncompressedSize(), 0)
			}
		}
	}
	if n <= 0 || bytes <= 0 {
		return rows
	}
	perRow := max(bytes/n, 1)
	return max(min(rows, opts.BatchBytes/perRow), 1)
}

// Next implements plan.BatchReader.
func (r *reader) Next(ctx context.Context) (_ arrow.RecordBatch, err error) {
	r.release()
	if r.err != nil {
		return nil, r.err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.left == 0 {
		return nil, io.EOF
	}
	defer func() {
		if err != nil && !errors.Is(err, io.EOF) {
			r.err = err
		}
	}()
	defer recoverCorrupt(r.path, &err)
	b, err := r.next()
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
func (r *reader) next() (arrow.RecordBatch, error) {
	if r.rr == nil {
		for len(r.counts) > 0 && r.counts[0] == 0 {
			r.counts = r.counts[1:]
		}
		if len(r.counts) == 0 {
			return nil, io.EOF
		}
		n := min(r.counts[0], int64(r.rows))
		r.counts[0] -= n
		return r.conform.nulls(r.schema, int(n)), nil
	}
	if !r.rr.Next() {
		if err := r.rr.Err(); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("parquetio: %s: %w", r.path, err)
		}
		return nil, io.EOF
	}
	b := r.rr.RecordBatch()
	if err := validate(b); err != nil {
		return nil, fmt.Errorf("parquetio: %s: %w", r.path, err)
	}
	if err := checkVariants(b); err != nil {
		return nil, fmt.Errorf("parquetio: %s: %w", r.path, err)
	}
	return r.conform.batch(b, r.schema)
}

func (r *reader) release() {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
}

// Close implements plan.BatchReader.
func (r *reader) Close() (err error) {
	r.release()
	defer func() {
		// Even after a panic in releasing the record reader.
		var cerr error
		if r.pf != nil {
			cerr = r.pf.Close() // closes the file too
		} else if r.f != nil {
			cerr = r.f.Close()
		}
		r.pf, r.f = nil, nil
		if cerr != nil && err == nil {
			err = fmt.Errorf("parquetio: %s: %w", r.path, cerr)
		}
	}()
	defer recoverCorrupt(r.path, &err)
	if r.rr != nil {
		rr := r.rr
		r.rr = nil
		rr.Release()
	}
	return nil
}

type emptyReader struct{}

func (emptyReader) Next(context.Context) (arrow.RecordBatch, error) { return nil, io.EOF }
func (emptyReader) Close() error                                    { return nil }
