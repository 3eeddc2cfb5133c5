package csvio_test

import (
	"context"
	"testing"

	"github.com/ember-df/ember/io/internal/sourcetest"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

var ctx = context.Background()

// The helpers every format's tests share.
type scanResult = sourcetest.Result

var (
	checkedAllocator = sourcetest.CheckedAllocator
	scan             = sourcetest.Scan
	mustScan         = sourcetest.MustScan
	newScanResult    = sourcetest.NewResult
	formatRows       = sourcetest.FormatRows
	formatCell       = sourcetest.FormatCell
	schema           = sourcetest.Schema
	diffRows         = sourcetest.DiffRows
	names            = sourcetest.Names
)

// writeFile writes content to dir/name, creating parent folders, and
// returns its path.
func writeFile(t testing.TB, dir, name, content string) string {
	t.Helper()
	return sourcetest.WriteFile(t, dir, name, []byte(content))
}

// scanPartition reads partition p of src into res.
func scanPartition(_ context.Context, src plan.Source, p int, so plan.ScanOptions, res *scanResult) error {
	return sourcetest.ScanPartition(src, p, so, res)
}

// options returns DefaultOptions changed by edit.
func options(edit func(*csvio.Options)) csvio.Options {
	o := csvio.DefaultOptions()
	if edit != nil {
		edit(&o)
	}
	return o
}

// tinySplits returns o with splits of n bytes.
func tinySplits(o csvio.Options, n int64) csvio.Options {
	o.MaxSplitBytes = n
	o.Partitions = 1 << 20
	return o
}

// newSource writes content to a temporary file and opens it.
func newSource(t testing.TB, content string, schema *arrow.Schema, o csvio.Options) (*csvio.Source, error) {
	t.Helper()
	path := writeFile(t, t.TempDir(), "data.csv", content)
	return csvio.NewSource([]string{path}, schema, o)
}

// mustSource is newSource failing the test on error.
func mustSource(t testing.TB, content string, schema *arrow.Schema, o csvio.Options) *csvio.Source {
	t.Helper()
	src, err := newSource(t, content, schema, o)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

var (
	tString  = arrow.BinaryTypes.String
	tInt64   = arrow.PrimitiveTypes.Int64
	tInt32   = arrow.PrimitiveTypes.Int32
	tInt16   = arrow.PrimitiveTypes.Int16
	tInt8    = arrow.PrimitiveTypes.Int8
	tFloat64 = arrow.PrimitiveTypes.Float64
	tFloat32 = arrow.PrimitiveTypes.Float32
	tBool    = arrow.FixedWidthTypes.Boolean
	tDate32  = arrow.FixedWidthTypes.Date32
	tTsUs    = &arrow.TimestampType{Unit: arrow.Microsecond}
	tTsNs    = &arrow.TimestampType{Unit: arrow.Nanosecond}
)

// typesOf lists a schema's field types as strings.
func typesOf(s *arrow.Schema) []string {
	out := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = f.Type.String()
	}
	return out
}
