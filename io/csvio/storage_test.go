package csvio_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// storageCSV is a CSV file with quoted delimiters and newlines, large
// enough to be cut into several splits.
func storageCSV() []byte {
	var b strings.Builder
	b.WriteString("id,name,score\n")
	for i := range 500 {
		fmt.Fprintf(&b, "%d,\"row, %d\nsecond line\",%.2f\n", i, i, float64(i)/3)
	}
	return []byte(b.String())
}

func openCSV(o csvio.Options) func([]string) (plan.Source, error) {
	return func(paths []string) (plan.Source, error) { return csvio.NewSource(paths, nil, o) }
}

func TestCompressed(t *testing.T) {
	o := tinySplits(options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true }), 1000)
	sourcetest.CheckCompressed(t, "csvio", "data.csv", storageCSV(), openCSV(o))
}

func TestBackends(t *testing.T) {
	o := options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true })
	sourcetest.CheckBackends(t, "data.csv", storageCSV(), openCSV(o))
	// Split across partitions, remote files read the same.
	sourcetest.CheckBackends(t, "data.csv", storageCSV(), openCSV(tinySplits(o, 777)))
}

// TestChanged: a file cut short after planning says so, with both sizes.
func TestChanged(t *testing.T) {
	o := options(func(o *csvio.Options) { o.Header = true })
	sourcetest.CheckChanged(t, "data.csv", storageCSV(), openCSV(o))
	sourcetest.CheckChanged(t, "data.csv", storageCSV(), openCSV(tinySplits(o, 777)))
}

// TestDigitsGz reads the shared digits.csv.gz: 1,797 rows of 64 pixels
// and a label, not its gzip bytes.
func TestDigitsGz(t *testing.T) {
	path := shared.Path(t, "data/digits.csv.gz")
	src, err := csvio.NewSource([]string{path}, nil, options(func(o *csvio.Options) { o.InferSchema = true }))
	if err != nil {
		t.Fatal(err)
	}
	if n := src.Schema().NumFields(); n != 65 {
		t.Fatalf("%d columns, want 65: %s", n, src.Schema())
	}
	for _, f := range src.Schema().Fields() {
		if f.Type != tInt64 {
			t.Fatalf("column %s is %s, want int64", f.Name, f.Type)
		}
	}
	res := mustScan(t, src, plan.ScanOptions{Allocator: checkedAllocator(t)})
	if len(res.Rows) != 1797 {
		t.Errorf("%d rows, want 1797", len(res.Rows))
	}
	if !strings.HasPrefix(res.Rows[0], "0,0,5,13,9,1,0,0,") || !strings.HasSuffix(res.Rows[0], ",0") {
		t.Errorf("first row %s", res.Rows[0])
	}
	if !strings.Contains(src.String(), "(gzip: not split)") {
		t.Errorf("EXPLAIN: %s", src)
	}
}

func TestCompressionOption(t *testing.T) {
	mem := checkedAllocator(t)
	s := schema("id", tInt64, "name", tString)
	rows := make([][]any, 3000)
	for i := range rows {
		rows[i] = []any{i, fmt.Sprintf("name, %d", i)}
	}
	batch := buildBatch(t, mem, s, rows)
	defer batch.Release()
	format := func(compression string) plan.FileFormat {
		o, err := csvio.ParseOptions(map[string]string{"header": "true", "compression": compression})
		if err != nil {
			t.Fatal(err)
		}
		return csvio.Format{Options: o}
	}
	sourcetest.CheckCompressedWrite(t, "csv", batch, format, openCSV(options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true })))
	if _, err := csvio.ParseOptions(map[string]string{"compression": "brotli"}); err == nil || !strings.Contains(err.Error(), `unknown compression "brotli"`) {
		t.Errorf("compression=brotli: %v", err)
	}
	if ext := (csvio.Format{Options: options(func(o *csvio.Options) { o.Compression = "GZIP" })}).Extension(); ext != "csv.gz" {
		t.Errorf("Extension = %q", ext)
	}
	if _, err := (csvio.Format{Options: options(func(o *csvio.Options) { o.Compression = "rar" })}).NewWriter(nil, s); err == nil {
		t.Error("NewWriter with compression rar gave no error")
	}
}
