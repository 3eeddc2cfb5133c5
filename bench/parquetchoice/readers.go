package parquetchoice

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	pqgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/format"
)

// BatchRows is the number of rows of the record batches both readers
// return (the last one of a row group may be shorter): ember's default.
const BatchRows = 16384

// ReadPQArrow reads the named columns (all when columns is nil) of the
// Parquet file at path with arrow-go's pqarrow, on one goroutine, into
// Arrow memory from mem, calling fn with each record batch. A batch is
// valid only during the call; fn retains it to keep it.
//
// With buffered false it reads as io/parquetio does today: each column
// chunk is read into memory whole before decoding (arrow-go's default).
// With buffered true it streams each chunk through a 1 MiB buffer
// (ReaderProperties.BufferedStreamEnabled), as ReadParquetGo does.
func ReadPQArrow(ctx context.Context, path string, columns []string, buffered bool, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	props := parquet.NewReaderProperties(mem)
	if buffered {
		props.BufferedStreamEnabled = true
		props.BufferSize = readBufferSize
	}
	pf, err := file.NewParquetReader(f, file.WithReadProps(props))
	if err != nil {
		f.Close()
		return err
	}
	defer pf.Close() // closes f too
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: BatchRows}, mem)
	if err != nil {
		return err
	}
	var leaves []int
	for _, name := range columns {
		i := pf.MetaData().Schema.ColumnIndexByName(name)
		if i < 0 {
			return fmt.Errorf("parquetchoice: no column %q in %s", name, path)
		}
		leaves = append(leaves, i)
	}
	rr, err := fr.GetRecordReader(ctx, leaves, nil)
	if err != nil {
		return err
	}
	defer rr.Release()
	for rr.Next() {
		if err := fn(rr.RecordBatch()); err != nil {
			return err
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// Mode says how ReadParquetGo takes values out of parquet-go's pages.
type Mode int

const (
	// ModeData appends straight from the decoded page buffers (Page.Data),
	// in bulk where the layout allows: the fastest way out of parquet-go.
	ModeData Mode = iota
	// ModeValues reads each page through Page.Values().ReadValues into
	// []parquet.Value and appends value by value.
	ModeValues
)

// readBufferSize is the size of the buffered reader per column chunk of
// ReadParquetGo, and of ReadPQArrow when buffered. parquet-go's default,
// 4 KiB, costs a read system call per 4 KiB of the file; 1 MiB makes that
// negligible, as reading a whole column chunk in one call does.
const readBufferSize = 1 << 20

// ReadParquetGo reads the named columns (all when columns is nil) of the
// Parquet file at path with github.com/parquet-go/parquet-go's columnar API
// (row groups → column chunks → pages), on one goroutine, appending each
// page's values to arrow-go builders on mem, and calls fn with each record
// batch of BatchRows rows. A batch is valid only during the call; fn
// retains it to keep it. Only flat INT64, DOUBLE and string columns are
// supported.
func ReadParquetGo(path string, columns []string, mode Mode, mem memory.Allocator, fn func(arrow.RecordBatch) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	pf, err := pqgo.OpenFile(f, fi.Size(), pqgo.SkipPageIndex(true), pqgo.SkipBloomFilters(true),
		pqgo.ReadBufferSize(readBufferSize))
	if err != nil {
		return err
	}
	leaves, schema, err := selectColumns(pf, columns)
	if err != nil {
		return fmt.Errorf("parquetchoice: %s: %w", path, err)
	}
	rb := array.NewRecordBuilder(mem, schema)
	defer rb.Release()
	cursors := make([]*cursor, len(leaves))
	for _, rg := range pf.RowGroups() {
		chunks := rg.ColumnChunks()
		for i, leaf := range leaves {
			cursors[i] = newCursor(chunks[leaf.Index()].Pages(), leaf, mode)
		}
		err := readRowGroup(rg.NumRows(), cursors, rb, fn)
		for _, c := range cursors {
			c.close()
		}
		if err != nil {
			return fmt.Errorf("parquetchoice: %s: %w", path, err)
		}
	}
	return nil
}

// readRowGroup reads rows rows from the cursors in batches of BatchRows.
func readRowGroup(rows int64, cursors []*cursor, rb *array.RecordBuilder, fn func(arrow.RecordBatch) error) error {
	for done := int64(0); done < rows; {
		n := int(min(BatchRows, rows-done))
		for i, c := range cursors {
			if err := c.fill(rb.Field(i), n); err != nil {
				return fmt.Errorf("column %s: %w", c.name, err)
			}
		}
		b := rb.NewRecordBatch()
		err := fn(b)
		b.Release()
		if err != nil {
			return err
		}
		done += int64(n)
	}
	return nil
}

// selectColumns returns the leaf columns named (all when names is nil) and
// the Arrow schema of the batches ReadParquetGo builds from them.
func selectColumns(pf *pqgo.File, names []string) ([]*pqgo.Column, *arrow.Schema, error) {
	all := pf.Root().Columns()
	var leaves []*pqgo.Column
	if names == nil {
		leaves = all
	}
	for _, name := range names {
		c := pf.Root().Column(name)
		if c == nil {
			return nil, nil, fmt.Errorf("no column %q", name)
		}
		leaves = append(leaves, c)
	}
	fields := make([]arrow.Field, len(leaves))
	for i, c := range leaves {
		if !c.Leaf() || c.Repeated() {
			return nil, nil, fmt.Errorf("column %s: only flat columns are supported", c.Name())
		}
		var t arrow.DataType
		switch c.Type().Kind() {
		case pqgo.Int64:
			t = arrow.PrimitiveTypes.Int64
		case pqgo.Double:
			t = arrow.PrimitiveTypes.Float64
		case pqgo.ByteArray:
			if _, ok := stringLogical(c.Type().LogicalType()); !ok {
				return nil, nil, fmt.Errorf("column %s: only string byte arrays are supported", c.Name())
			}
			t = arrow.BinaryTypes.String
		default:
			return nil, nil, fmt.Errorf("column %s: type %s is not supported", c.Name(), c.Type())
		}
		fields[i] = arrow.Field{Name: c.Name(), Type: t, Nullable: c.Optional()}
	}
	return leaves, arrow.NewSchema(fields, nil), nil
}

// cursor walks the pages of one column chunk, appending rows to a builder.
type cursor struct {
	name   string
	pages  pqgo.Pages
	kind   pqgo.Kind
	maxDef byte
	mode   Mode

	page      pqgo.Page
	rows, row int    // rows of the page, next row to append
	val       int    // next non-NULL value of the page to append
	defs      []byte // definition levels; nil when the page has no NULLs

	// ModeData: the page's values, or its dictionary indexes and the
	// dictionary's values.
	ints   []int64
	floats []float64
	bytes  []byte
	offs   []uint32
	idx    []int32
	dict   pqgo.Dictionary

	// ModeValues.
	values pqgo.ValueReader
	buf    []pqgo.Value
}

func newCursor(pages pqgo.Pages, leaf *pqgo.Column, mode Mode) *cursor {
	c := &cursor{name: leaf.Name(), pages: pages, kind: leaf.Type().Kind(), maxDef: byte(leaf.MaxDefinitionLevel()), mode: mode}
	if mode == ModeValues {
		c.buf = make([]pqgo.Value, BatchRows)
	}
	return c
}

// close releases the current page and the column chunk's pages.
func (c *cursor) close() {
	if c.page != nil {
		pqgo.Release(c.page)
		c.page = nil
	}
	c.pages.Close()
}

// nextPage makes the column chunk's next page current.
func (c *cursor) nextPage() error {
	if c.page != nil {
		pqgo.Release(c.page)
		c.page = nil
	}
	p, err := c.pages.ReadPage()
	if err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF // the row group promised more rows
		}
		return err
	}
	c.page, c.rows, c.row, c.val = p, int(p.NumRows()), 0, 0
	c.defs = nil
	if c.maxDef > 0 && p.NumNulls() > 0 {
		c.defs = p.DefinitionLevels()
	}
	if c.mode == ModeValues {
		c.values = p.Values()
		return nil
	}
	c.idx = nil
	data := p.Data()
	if d := p.Dictionary(); d != nil {
		c.idx = data.Int32()
		if d != c.dict {
			c.dict = d
			data = d.Page().Data()
		} else {
			return nil // the dictionary's values are current
		}
	}
	switch c.kind {
	case pqgo.Int64:
		c.ints = data.Int64()
	case pqgo.Double:
		c.floats = data.Double()
	default:
		c.bytes, c.offs = data.ByteArray()
	}
	return nil
}

// fill appends the next n rows to b.
func (c *cursor) fill(b array.Builder, n int) error {
	for n > 0 {
		if c.row == c.rows {
			if err := c.nextPage(); err != nil {
				return err
			}
			continue
		}
		k := min(n, c.rows-c.row)
		var err error
		if c.mode == ModeValues {
			err = c.appendValues(b, k)
		} else {
			c.appendData(b, k)
		}
		if err != nil {
			return err
		}
		c.row += k
		n -= k
	}
	return nil
}

// numBuilder is what appendNumbers needs of arrow-go's Int64Builder and
// Float64Builder.
type numBuilder[T any] interface {
	AppendValues(v []T, valid []bool)
	Reserve(n int)
	UnsafeAppend(v T)
	AppendNull()
}

// appendData appends the page's next k rows from its decoded buffers.
func (c *cursor) appendData(b array.Builder, k int) {
	var defs []byte
	if c.defs != nil {
		defs = c.defs[c.row : c.row+k]
	}
	switch c.kind {
	case pqgo.Int64:
		c.val = appendNumbers(b.(*array.Int64Builder), c.ints, c.idx, defs, c.maxDef, c.val, k)
	case pqgo.Double:
		c.val = appendNumbers(b.(*array.Float64Builder), c.floats, c.idx, defs, c.maxDef, c.val, k)
	default:
		c.appendStrings(b.(*array.StringBuilder).BinaryBuilder, defs, k)
	}
}

// appendNumbers appends k rows to b, taking values from vals (through the
// dictionary indexes idx, when not nil) from value val on, and returns the
// next value. defs, when not nil, are the rows' definition levels: a level
// below maxDef is a NULL, which takes no value.
func appendNumbers[T any](b numBuilder[T], vals []T, idx []int32, defs []byte, maxDef byte, val, k int) int {
	switch {
	case defs == nil && idx == nil:
		b.AppendValues(vals[val:val+k], nil) // one copy
		return val + k
	case defs == nil:
		b.Reserve(k)
		for _, i := range idx[val : val+k] {
			b.UnsafeAppend(vals[i])
		}
		return val + k
	}
	b.Reserve(k)
	for _, d := range defs {
		switch {
		case d != maxDef:
			b.AppendNull()
		case idx != nil:
			b.UnsafeAppend(vals[idx[val]])
			val++
		default:
			b.UnsafeAppend(vals[val])
			val++
		}
	}
	return val
}

// appendStrings appends the page's next k rows to b; defs as for
// appendNumbers.
func (c *cursor) appendStrings(b *array.BinaryBuilder, defs []byte, k int) {
	value := func(v int) []byte {
		if c.idx != nil {
			v = int(c.idx[v])
		}
		return c.bytes[c.offs[v]:c.offs[v+1]]
	}
	b.Reserve(k)
	if defs != nil {
		for _, d := range defs {
			if d != c.maxDef {
				b.AppendNull()
				continue
			}
			b.Append(value(c.val))
			c.val++
		}
		return
	}
	if c.idx == nil {
		b.ReserveData(int(c.offs[c.val+k] - c.offs[c.val]))
	} else {
		size := 0
		for _, i := range c.idx[c.val : c.val+k] {
			size += int(c.offs[i+1] - c.offs[i])
		}
		b.ReserveData(size)
	}
	for v := c.val; v < c.val+k; v++ {
		b.UnsafeAppend(value(v))
	}
	c.val += k
}

// appendValues appends the page's next k rows, read through the page's
// generic value reader.
func (c *cursor) appendValues(b array.Builder, k int) error {
	buf := c.buf[:k]
	for got := 0; got < k; {
		n, err := c.values.ReadValues(buf[got:])
		got += n
		if err != nil && (got < k || !errors.Is(err, io.EOF)) {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	switch b := b.(type) {
	case *array.Int64Builder:
		for _, v := range buf {
			if v.IsNull() {
				b.AppendNull()
			} else {
				b.Append(v.Int64())
			}
		}
	case *array.Float64Builder:
		for _, v := range buf {
			if v.IsNull() {
				b.AppendNull()
			} else {
				b.Append(v.Double())
			}
		}
	case *array.StringBuilder:
		for _, v := range buf {
			if v.IsNull() {
				b.AppendNull()
			} else {
				b.BinaryBuilder.Append(v.ByteArray())
			}
		}
	}
	return nil
}

// stringLogical reports whether a column's logical type is STRING.
func stringLogical(lt *format.LogicalType) (*format.StringType, bool) {
	if lt == nil {
		return nil, false
	}
	st, ok := lt.Value.(*format.StringType)
	return st, ok
}
