package jsonio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

var ctx = context.Background()

// checkedAllocator returns an allocator that fails the test if anything
// allocated with it is still held when the test ends.
func checkedAllocator(t testing.TB) *memory.CheckedAllocator {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}

// writeFile writes content to dir/name, creating parent folders, and
// returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// options returns DefaultOptions changed by edit.
func options(edit func(*jsonio.Options)) jsonio.Options {
	o := jsonio.DefaultOptions()
	if edit != nil {
		edit(&o)
	}
	return o
}

// tinySplits returns o with splits of n bytes.
func tinySplits(o jsonio.Options, n int64) jsonio.Options {
	o.MaxSplitBytes = n
	o.Partitions = 1 << 20
	return o
}

// newSource writes content to a temporary file and opens it.
func newSource(t testing.TB, content string, schema *arrow.Schema, o jsonio.Options) (*jsonio.Source, error) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "data.json", content)
	return jsonio.NewSource([]string{path}, schema, o)
}

// mustSource is newSource failing the test on error.
func mustSource(t testing.TB, content string, schema *arrow.Schema, o jsonio.Options) *jsonio.Source {
	t.Helper()
	src, err := newSource(t, content, schema, o)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// scanResult is what reading every partition of a source gave.
type scanResult struct {
	schema  *arrow.Schema
	rows    []string   // one per row, cells formatted by formatCell
	cols    [][]string // per column, the cells formatted by formatCell
	batches []int      // rows per batch, in order
}

func newScanResult(s *arrow.Schema) scanResult {
	return scanResult{schema: s, cols: make([][]string, s.NumFields())}
}

// scan reads every partition of src in order, with a checked allocator
// (asserting nothing leaks) and the given scan options.
func scan(t testing.TB, src plan.Source, so plan.ScanOptions) (scanResult, error) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	so.Allocator = mem
	res := newScanResult(src.Schema())
	for p := range src.Partitions() {
		if err := scanPartition(ctx, src, p, so, &res); err != nil {
			return res, err
		}
	}
	return res, nil
}

func scanPartition(ctx context.Context, src plan.Source, p int, so plan.ScanOptions, res *scanResult) error {
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
			return r.Close()
		}
		if err != nil {
			return err
		}
		if !b.Schema().Equal(res.schema) {
			return fmt.Errorf("batch schema %s, source schema %s", b.Schema(), res.schema)
		}
		if b.NumRows() == 0 {
			return fmt.Errorf("Next returned an empty batch")
		}
		res.batches = append(res.batches, int(b.NumRows()))
		for _, c := range b.Columns() {
			if int64(c.Len()) != b.NumRows() {
				return fmt.Errorf("column of %d rows in a batch of %d", c.Len(), b.NumRows())
			}
			if v, ok := c.(interface{ ValidateFull() error }); ok {
				if err := v.ValidateFull(); err != nil {
					return fmt.Errorf("invalid column: %w", err)
				}
			}
		}
		res.rows = append(res.rows, formatRows(b)...)
		for j, c := range b.Columns() {
			for i := range c.Len() {
				res.cols[j] = append(res.cols[j], formatCell(c, i))
			}
		}
	}
}

// mustScan is scan failing the test on error.
func mustScan(t testing.TB, src plan.Source, so plan.ScanOptions) scanResult {
	t.Helper()
	res, err := scan(t, src, so)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func formatRows(b arrow.RecordBatch) []string {
	rows := make([]string, b.NumRows())
	for i := range rows {
		cells := make([]string, b.NumCols())
		for j, c := range b.Columns() {
			cells[j] = formatCell(c, i)
		}
		rows[i] = strings.Join(cells, ",")
	}
	return rows
}

// formatCell prints a value so that different values print differently:
// strings quoted, NULL bare, floats with their sign (-0) and exactly,
// structs as {name:value,…} and lists as […].
func formatCell(c arrow.Array, i int) string {
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
			parts[k] = f.Name + ":" + formatCell(c.Field(k), i)
		}
		return "{" + strings.Join(parts, ",") + "}"
	case array.ListLike:
		start, end := c.ValueOffsets(i)
		parts := []string{}
		for j := start; j < end; j++ {
			parts = append(parts, formatCell(c.ListValues(), int(j)))
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

// schema builds a nullable schema from name, type pairs.
func schema(pairs ...any) *arrow.Schema {
	return arrow.NewSchema(fields(pairs...), nil)
}

// fields builds nullable fields from name, type pairs.
func fields(pairs ...any) []arrow.Field {
	out := make([]arrow.Field, 0, len(pairs)/2)
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, arrow.Field{Name: pairs[i].(string), Type: pairs[i+1].(arrow.DataType), Nullable: true})
	}
	return out
}

// structOf builds a struct type from name, type pairs.
func structOf(pairs ...any) arrow.DataType { return arrow.StructOf(fields(pairs...)...) }

var (
	tString  = arrow.BinaryTypes.String
	tBinary  = arrow.BinaryTypes.Binary
	tInt64   = arrow.PrimitiveTypes.Int64
	tInt32   = arrow.PrimitiveTypes.Int32
	tInt8    = arrow.PrimitiveTypes.Int8
	tUint8   = arrow.PrimitiveTypes.Uint8
	tUint64  = arrow.PrimitiveTypes.Uint64
	tFloat64 = arrow.PrimitiveTypes.Float64
	tFloat32 = arrow.PrimitiveTypes.Float32
	tBool    = arrow.FixedWidthTypes.Boolean
	tDate32  = arrow.FixedWidthTypes.Date32
	tTsUs    = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	tTsNs    = &arrow.TimestampType{Unit: arrow.Nanosecond}
	tDec     = &arrow.Decimal128Type{Precision: 10, Scale: 2}
)

// typesOf lists a schema's fields as name:type.
func typesOf(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Name + ":" + f.Type.String()
	}
	return out
}

// diffRows reports the first difference between two row lists.
func diffRows(got, want []string) string {
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

// tool returns the path of an external program a test needs, or skips
// the test when it is missing — and fails it when CI=true, where the
// environment must provide it.
func tool(t testing.TB, name, why string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		missing(t, fmt.Sprintf("%s not found (%v): %s", name, err, why))
	}
	return path
}

// missing skips the test with msg, or fails it when CI=true.
func missing(t testing.TB, msg string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}
