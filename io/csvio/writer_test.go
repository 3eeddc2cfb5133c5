package csvio_test

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// buildBatch makes a batch of rows (nil is NULL) with builders, so that
// values JSON cannot hold (NaN, -0) can be given.
func buildBatch(t testing.TB, mem memory.Allocator, s *arrow.Schema, rows [][]any) arrow.RecordBatch {
	t.Helper()
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	for _, row := range rows {
		for i, v := range row {
			fb := b.Field(i)
			if v == nil {
				fb.AppendNull()
				continue
			}
			switch fb := fb.(type) {
			case *array.StringBuilder:
				fb.Append(v.(string))
			case *array.Int64Builder:
				fb.Append(int64(v.(int)))
			case *array.Int32Builder:
				fb.Append(int32(v.(int)))
			case *array.Int16Builder:
				fb.Append(int16(v.(int)))
			case *array.Int8Builder:
				fb.Append(int8(v.(int)))
			case *array.Float64Builder:
				fb.Append(v.(float64))
			case *array.Float32Builder:
				fb.Append(float32(v.(float64)))
			case *array.BooleanBuilder:
				fb.Append(v.(bool))
			case *array.Date32Builder:
				d, err := time.Parse(time.DateOnly, v.(string))
				if err != nil {
					t.Fatal(err)
				}
				fb.Append(arrow.Date32FromTime(d))
			case *array.TimestampBuilder:
				ts, err := time.Parse(time.RFC3339Nano, v.(string))
				if err != nil {
					t.Fatal(err)
				}
				x, err := arrow.TimestampFromTime(ts, s.Field(i).Type.(*arrow.TimestampType).Unit)
				if err != nil {
					t.Fatal(err)
				}
				fb.Append(x)
			default:
				t.Fatalf("no builder for %T", fb)
			}
		}
	}
	return b.NewRecordBatch()
}

// writeBatches writes batches with the options and returns the text.
func writeBatches(t testing.TB, o csvio.Options, s *arrow.Schema, batches ...arrow.RecordBatch) string {
	t.Helper()
	return string(sourcetest.Encode(t, csvio.Format{Options: o}, s, batches...))
}

var tricky = []any{
	nil, "", "plain", " spaced ", "a,b", "a;b", "tab\there", `say "hi"`, `"`, `""`, "line\nbreak", "cr\rlf\r\n", "\n",
	`back\slash`, `ends\`, `\"`, `\\"`, `a\,b`, `\`, "NA", "NULL", "'single'", "ünïcode ✓", "#comment",
}

func TestRoundTrip(t *testing.T) {
	full := schema("s", tString, "i8", tInt8, "i16", tInt16, "i32", tInt32, "i64", tInt64,
		"f32", tFloat32, "f64", tFloat64, "b", tBool, "d", tDate32, "tus", tTsUs, "tns", tTsNs)
	numbers := [][]any{
		{nil, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil},
		{"x", math.MinInt8, math.MinInt16, math.MinInt32, math.MinInt64, -0.0, math.Copysign(0, -1), false, "1969-07-20", "1969-07-20T20:17:40.123456Z", "1677-09-22T00:00:00.000000001Z"},
		{"y", math.MaxInt8, math.MaxInt16, math.MaxInt32, math.MaxInt64, 0.1, 0.1, true, "2024-02-29", "2024-02-29T23:59:59.999999Z", "2262-04-11T23:47:16.854775807Z"},
		{"z", 0, 0, 0, 0, 1.0, 1.0, true, "0001-01-01", "2000-01-01T00:00:00Z", "2000-01-01T00:00:00.5Z"},
		{"w", 1, 1, 1, 1, math.MaxFloat32, 1e300, true, "9999-12-31", "1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"},
		{"v", -1, -1, -1, -1, math.SmallestNonzeroFloat32, math.SmallestNonzeroFloat64, false, "1970-01-01", "1970-01-01T00:00:00.000001Z", "1970-01-01T00:00:00.000000001Z"},
		{"u", 2, 2, 2, 2, math.Inf(1), math.Inf(-1), false, nil, nil, nil},
		{"t", 3, 3, 3, 3, math.NaN(), math.NaN(), nil, nil, nil, nil},
		{"q", 4, 4, 4, 4, 123456.7, 1.7976931348623157e308, nil, nil, nil, nil},
	}
	var strs [][]any
	for _, s := range tricky {
		strs = append(strs, []any{s, nil, nil, nil, nil, nil, nil, nil, nil, nil, nil})
	}
	cases := []struct {
		name string
		opts func(*csvio.Options)
	}{
		{name: "default"},
		{name: "header", opts: func(o *csvio.Options) { o.Header = true }},
		{name: "null value", opts: func(o *csvio.Options) { o.Header, o.NullValue = true, "NA" }},
		{name: "semicolon", opts: func(o *csvio.Options) { o.Delimiter = ';' }},
		{name: "tab", opts: func(o *csvio.Options) { o.Delimiter = '\t' }},
		{name: "escape is quote", opts: func(o *csvio.Options) { o.Escape = '"' }},
		{name: "no escape", opts: func(o *csvio.Options) { o.Escape = 0 }},
		{name: "single quote", opts: func(o *csvio.Options) { o.Quote = '\'' }},
		{name: "backslash quote", opts: func(o *csvio.Options) { o.Quote, o.Escape = '\\', '"' }},
		{name: "date formats", opts: func(o *csvio.Options) {
			o.DateFormat, o.TimestampFormat = "dd/MM/yyyy", "yyyy-MM-dd HH:mm:ss.SSSSSSSSSXXX"
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedAllocator(t)
			o := options(c.opts)
			b1 := buildBatch(t, mem, full, numbers)
			defer b1.Release()
			b2 := buildBatch(t, mem, full, strs)
			defer b2.Release()
			empty := buildBatch(t, mem, full, nil)
			defer empty.Release()
			text := writeBatches(t, o, full, b1, empty, b2)
			want := append(formatRows(b1), formatRows(b2)...)
			for _, size := range []int64{0, 1, 5, 64} {
				ro := o
				if size > 0 {
					ro = tinySplits(ro, size)
				}
				ro.Mode = csvio.FailFast
				src := mustSource(t, text, full, ro)
				got := mustScan(t, src, plan.ScanOptions{})
				if d := diffRows(got.Rows, want); d != "" {
					t.Fatalf("split %d: %s\nfile:\n%s", size, d, text)
				}
			}
			if o.Header {
				src := mustSource(t, text, nil, o)
				if got := names(src.Schema()); strings.Join(got, ",") != "s,i8,i16,i32,i64,f32,f64,b,d,tus,tns" {
					t.Fatalf("header names %v", got)
				}
			}
		})
	}
}

func TestWriterText(t *testing.T) {
	s := schema("name", tString, "x", tFloat64, "n", tInt32, "b", tBool, "d", tDate32, "t", tTsUs)
	cases := []struct {
		name string
		opts func(*csvio.Options)
		rows [][]any
		want string
	}{
		{
			name: "no header",
			rows: [][]any{{"a", 1.0, 1, true, "2024-01-02", "2024-01-02T03:04:05.5Z"}, {nil, nil, nil, nil, nil, nil}},
			want: "a,1.0,1,true,2024-01-02,2024-01-02T03:04:05.5Z\n,,,,,\n",
		},
		{
			name: "header",
			opts: func(o *csvio.Options) { o.Header = true },
			rows: [][]any{{"", 0.1, -1, false, "1969-12-31", "1969-12-31T23:59:59Z"}},
			want: "name,x,n,b,d,t\n\"\",0.1,-1,false,1969-12-31,1969-12-31T23:59:59Z\n",
		},
		{
			name: "quoting",
			opts: func(o *csvio.Options) { o.NullValue = "NA" },
			rows: [][]any{{`a"b`, 1e300, 0, true, nil, nil}, {"NA", -0.0, 0, true, nil, nil}, {"x,y\nz", math.Copysign(0, -1), 0, true, nil, nil}, {`c\,d`, 1e21, 0, true, nil, nil}},
			want: "\"a\"\"b\",1e+300,0,true,NA,NA\n\"NA\",0.0,0,true,NA,NA\n\"x,y\nz\",-0.0,0,true,NA,NA\n\"c\\\\,d\",1e+21,0,true,NA,NA\n",
		},
		{
			name: "formats",
			opts: func(o *csvio.Options) {
				o.Delimiter, o.DateFormat, o.TimestampFormat = '\t', "dd/MM/yyyy", "yyyy-MM-dd HH:mm"
			},
			rows: [][]any{{"a b", 2.5, 7, true, "2024-03-01", "2024-01-02T03:04:05Z"}},
			want: "a b\t2.5\t7\ttrue\t01/03/2024\t2024-01-02 03:04\n",
		},
		{
			name: "empty with header",
			opts: func(o *csvio.Options) { o.Header, o.Delimiter = true, ';' },
			want: "name;x;n;b;d;t\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedAllocator(t)
			b := buildBatch(t, mem, s, c.rows)
			defer b.Release()
			if got := writeBatches(t, options(c.opts), s, b); got != c.want {
				t.Fatalf("wrote\n%q\nwant\n%q", got, c.want)
			}
		})
	}
}

// TestWriterOneColumn checks NULLs of a single column, whose record would
// be a blank line, which readers skip.
func TestWriterOneColumn(t *testing.T) {
	s := schema("x", tInt64)
	mem := checkedAllocator(t)
	b := buildBatch(t, mem, s, [][]any{{1}, {nil}, {3}})
	defer b.Release()
	text := writeBatches(t, options(nil), s, b)
	got := mustScan(t, mustSource(t, text, s, options(nil)), plan.ScanOptions{})
	if d := diffRows(got.Rows, []string{"1", "NULL", "3"}); d != "" {
		t.Fatalf("%s\nfile: %q", d, text)
	}
}

func TestWriterErrors(t *testing.T) {
	if _, err := (csvio.Format{Options: options(nil)}).NewWriter(&bytes.Buffer{}, schema("l", arrow.ListOf(tInt64))); err == nil || !strings.HasPrefix(err.Error(), "csvio: ") {
		t.Errorf("list column: error %v", err)
	}
	if _, err := (csvio.Format{}).NewWriter(&bytes.Buffer{}, schema("a", tInt64)); err == nil || !strings.HasPrefix(err.Error(), "csvio: ") {
		t.Errorf("zero options: error %v", err)
	}
	if _, err := (csvio.Format{Options: options(func(o *csvio.Options) { o.DateFormat = "GGGG" })}).NewWriter(&bytes.Buffer{}, schema("d", tDate32)); err == nil {
		t.Errorf("bad date format: no error")
	}
	mem := checkedAllocator(t)
	w, err := csvio.Format{Options: options(nil)}.NewWriter(&bytes.Buffer{}, schema("a", tInt64))
	if err != nil {
		t.Fatal(err)
	}
	b := buildBatch(t, mem, schema("a", tString), [][]any{{"x"}})
	defer b.Release()
	if err := w.Write(b); err == nil || !strings.HasPrefix(err.Error(), "csvio: ") {
		t.Errorf("other schema: error %v", err)
	}
	// A failing io.Writer's error comes back.
	fw, err := csvio.Format{Options: options(nil)}.NewWriter(failingWriter{}, schema("a", tString))
	if err != nil {
		t.Fatal(err)
	}
	if err := fw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := fw.Close(); !errors.Is(err, errDiskFull) {
		t.Errorf("Close: %v, want the writer's error", err)
	}
	f := csvio.Format{}
	if f.Name() != "csv" || f.Extension() != "csv" {
		t.Errorf("Name %q, Extension %q", f.Name(), f.Extension())
	}
}

var errDiskFull = errors.New("disk full")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// TestWriteLarge writes more than the writer buffers and reads it back.
func TestWriteLarge(t *testing.T) {
	s := schema("i", tInt64, "s", tString)
	rows := make([][]any, 50000)
	for i := range rows {
		rows[i] = []any{i, strings.Repeat("x,\"\n", i%7)}
	}
	mem := checkedAllocator(t)
	b := buildBatch(t, mem, s, rows)
	defer b.Release()
	dir := t.TempDir()
	path := filepath.Join(dir, "big.csv")
	if err := os.WriteFile(path, []byte(writeBatches(t, options(nil), s, b)), 0o644); err != nil {
		t.Fatal(err)
	}
	src, err := csvio.NewSource([]string{path}, s, tinySplits(options(nil), 100000))
	if err != nil {
		t.Fatal(err)
	}
	if src.Partitions() < 5 {
		t.Fatalf("%d partitions", src.Partitions())
	}
	got := mustScan(t, src, plan.ScanOptions{})
	if d := diffRows(got.Rows, formatRows(b)); d != "" {
		t.Fatal(d)
	}
}
