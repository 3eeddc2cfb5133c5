// Package sourcetest is what the format packages' tests share: reading
// every partition of a plan.Source with a checked allocator while checking
// the BatchReader contract, and printing values so that different values
// print differently. Only tests import it.
package sourcetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// CheckedAllocator returns an allocator that fails the test if anything
// allocated with it is still held when the test ends.
func CheckedAllocator(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// WriteFile writes content to dir/name, creating parent folders, and
// returns its path. dir may be any storage path (mem://b/x, s3://…).
func WriteFile(t testing.TB, dir, name string, content []byte) string {
	t.Helper()
	path := storage.Join(dir, name)
	if err := storage.WriteFile(context.Background(), path, content); err != nil {
		t.Fatal(err)
	}
	return path
}

// Result is what reading every partition of a source gave.
type Result struct {
	Schema  *arrow.Schema
	Rows    []string   // one per row, cells printed by FormatCell, joined by ","
	Cols    [][]string // per column, the printed cells
	Parts   [][]string // per partition, its rows
	Batches []int      // rows per batch, in order
	Bytes   []int64    // sum of buffer sizes per batch
	// Full makes ScanPartition validate every column fully (UTF-8 of
	// strings included), not only its structure.
	Full bool
}

// Scan reads every partition of src in order with a checked allocator
// (asserting nothing leaks) and the given scan options, and checks what
// every BatchReader must do: batches of the source's schema, never empty,
// no longer than BatchRows, structurally valid, io.EOF after the last and
// again after.
func Scan(t testing.TB, src plan.Source, so plan.ScanOptions) (Result, error) {
	t.Helper()
	return scanAll(t, src, so, false)
}

// ScanFull is Scan that also validates every value (UTF-8 of strings), for
// formats that promise valid text.
func ScanFull(t testing.TB, src plan.Source, so plan.ScanOptions) (Result, error) {
	t.Helper()
	return scanAll(t, src, so, true)
}

func scanAll(t testing.TB, src plan.Source, so plan.ScanOptions, full bool) (Result, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	so.Allocator = mem
	res := NewResult(src.Schema())
	res.Full = full
	for p := range src.Partitions() {
		before := len(res.Rows)
		err := ScanPartition(src, p, so, &res)
		res.Parts = append(res.Parts, res.Rows[before:])
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// MustScan is Scan failing the test on error.
func MustScan(t testing.TB, src plan.Source, so plan.ScanOptions) Result {
	t.Helper()
	res, err := Scan(t, src, so)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// MustScanFull is ScanFull failing the test on error.
func MustScanFull(t testing.TB, src plan.Source, so plan.ScanOptions) Result {
	t.Helper()
	res, err := ScanFull(t, src, so)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// NewResult is an empty Result for a source of schema s.
func NewResult(s *arrow.Schema) Result {
	return Result{Schema: s, Cols: make([][]string, s.NumFields())}
}

// ScanPartition reads partition p of src into res, checking the
// BatchReader contract as Scan does; so.Allocator must be set.
func ScanPartition(src plan.Source, p int, so plan.ScanOptions, res *Result) error {
	ctx := context.Background()
	r, err := src.Open(ctx, p, so)
	if err != nil {
		return err
	}
	defer r.Close()
	for {
		b, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			if b != nil {
				return fmt.Errorf("Next returned a batch with io.EOF")
			}
			if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
				return fmt.Errorf("Next after the end: %v, want io.EOF", err)
			}
			return r.Close()
		}
		if err != nil {
			return err
		}
		if !b.Schema().Equal(res.Schema) {
			return fmt.Errorf("batch schema %s, source schema %s", b.Schema(), res.Schema)
		}
		if b.NumRows() == 0 {
			return fmt.Errorf("Next returned an empty batch")
		}
		if so.BatchRows > 0 && b.NumRows() > int64(so.BatchRows) {
			return fmt.Errorf("batch of %d rows, BatchRows %d", b.NumRows(), so.BatchRows)
		}
		var size int64
		for _, c := range b.Columns() {
			if int64(c.Len()) != b.NumRows() {
				return fmt.Errorf("column of %d rows in a batch of %d", c.Len(), b.NumRows())
			}
			if err := validate(c, res.Full); err != nil {
				return fmt.Errorf("invalid column: %w", err)
			}
			for _, buf := range c.Data().Buffers() {
				if buf != nil {
					size += int64(buf.Len())
				}
			}
		}
		res.Batches = append(res.Batches, int(b.NumRows()))
		res.Bytes = append(res.Bytes, size)
		res.Rows = append(res.Rows, FormatRows(b)...)
		for j, c := range b.Columns() {
			for i := range c.Len() {
				res.Cols[j] = append(res.Cols[j], FormatCell(c, i))
			}
		}
	}
}

// FormatRows prints every row of b, cells joined by ",".
func FormatRows(b arrow.RecordBatch) []string {
	rows := make([]string, b.NumRows())
	for i := range rows {
		cells := make([]string, b.NumCols())
		for j, c := range b.Columns() {
			cells[j] = FormatCell(c, i)
		}
		rows[i] = strings.Join(cells, ",")
	}
	return rows
}

// FormatCell prints a value so that different values print differently:
// strings quoted, NULL bare, floats exactly and with their sign (-0),
// structs as {name:value,…} and lists as […].
func FormatCell(c arrow.Array, i int) string {
	if c.IsNull(i) {
		return "NULL"
	}
	switch c := c.(type) {
	case *array.String:
		return strconv.Quote(c.Value(i))
	case *array.LargeString:
		return strconv.Quote(c.Value(i))
	case *array.Binary:
		return "b" + strconv.Quote(string(c.Value(i)))
	case *array.Int64:
		return strconv.FormatInt(c.Value(i), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Int16:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Int8:
		return strconv.FormatInt(int64(c.Value(i)), 10)
	case *array.Uint64:
		return strconv.FormatUint(c.Value(i), 10)
	case *array.Uint8:
		return strconv.FormatUint(uint64(c.Value(i)), 10)
	case *array.Float64:
		return formatFloat(c.Value(i), 64)
	case *array.Float32:
		return formatFloat(float64(c.Value(i)), 32)
	case *array.Boolean:
		return strconv.FormatBool(c.Value(i))
	case *array.Date32:
		return c.Value(i).ToTime().Format(time.DateOnly)
	case *array.Timestamp:
		unit := c.DataType().(*arrow.TimestampType).Unit
		return c.Value(i).ToTime(unit).Format(time.RFC3339Nano)
	case *array.Decimal128:
		return c.Value(i).ToString(c.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Struct:
		st := c.DataType().(*arrow.StructType)
		parts := make([]string, st.NumFields())
		for k, f := range st.Fields() {
			parts[k] = f.Name + ":" + FormatCell(c.Field(k), i)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case array.ListLike:
		start, end := c.ValueOffsets(i)
		parts := []string{}
		for j := start; j < end; j++ {
			parts = append(parts, FormatCell(c.ListValues(), int(j)))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return "?" + c.ValueStr(i)
}

func formatFloat(v float64, bits int) string {
	if v == 0 && math.Signbit(v) {
		return "-0"
	}
	return strconv.FormatFloat(v, 'g', -1, bits)
}

// Schema builds a nullable schema from name, type pairs.
func Schema(pairs ...any) *arrow.Schema {
	fields := make([]arrow.Field, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		fields = append(fields, arrow.Field{Name: pairs[i].(string), Type: pairs[i+1].(arrow.DataType), Nullable: true})
	}
	return arrow.NewSchema(fields, nil)
}

// Names lists a schema's field names.
func Names(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name
	}
	return out
}

// DiffRows reports the first difference between two row lists, or "".
func DiffRows(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("row %d: got %s, want %s", i, got[i], want[i])
		}
	}
	if len(got) != len(want) {
		return fmt.Sprintf("got %d rows, want %d\ngot:  %q\nwant: %q", len(got), len(want), got, want)
	}
	return ""
}

func validate(c arrow.Array, full bool) error {
	if full {
		if v, ok := c.(interface{ ValidateFull() error }); ok {
			return v.ValidateFull()
		}
	}
	if v, ok := c.(interface{ Validate() error }); ok {
		return v.Validate()
	}
	return nil
}

// EstimatedBytes is src's size estimate (plan.SizeEstimator), failing the
// test when it has none.
func EstimatedBytes(t testing.TB, src plan.Source) int64 {
	t.Helper()
	e, ok := src.(plan.SizeEstimator)
	if !ok {
		t.Fatalf("%s estimates no size", src)
	}
	n, ok := e.EstimatedBytes()
	if !ok {
		t.Fatalf("%s has no size estimate", src)
	}
	return n
}
