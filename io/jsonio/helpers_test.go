package jsonio_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"github.com/ember-df/ember/io/internal/sourcetest"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

var ctx = context.Background()

// The helpers every format's tests share.
type scanResult = sourcetest.Result

var (
	checkedAllocator = sourcetest.CheckedAllocator
	scan             = sourcetest.ScanFull
	mustScan         = sourcetest.MustScanFull
	formatRows       = sourcetest.FormatRows
	formatCell       = sourcetest.FormatCell
	schema           = sourcetest.Schema
	diffRows         = sourcetest.DiffRows
)

// writeFile writes content to dir/name, creating parent folders, and
// returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	return sourcetest.WriteFile(t, dir, name, []byte(content))
}

// newScanResult is an empty result whose columns are validated fully, as
// JSON promises valid UTF-8.
func newScanResult(s *arrow.Schema) scanResult {
	r := sourcetest.NewResult(s)
	r.Full = true
	return r
}

// scanPartition reads partition p of src into res.
func scanPartition(_ context.Context, src plan.Source, p int, so plan.ScanOptions, res *scanResult) error {
	return sourcetest.ScanPartition(src, p, so, res)
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
