package jsonio_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// TestConvert reads one value per line into a column of each type,
// PERMISSIVE with a corrupt-record column, so that every case shows both
// the value and whether the record counted as malformed.
func TestConvert(t *testing.T) {
	type value struct {
		json string // the value of key v; "" leaves the key out
		want string // formatCell of the column
		bad  bool   // the record is malformed
	}
	cases := []struct {
		name   string
		typ    arrow.DataType
		values []value
		opts   func(*jsonio.Options)
	}{
		{name: "int64", typ: tInt64, values: []value{
			{json: "1", want: "1"}, {json: "-0", want: "0"}, {json: "9223372036854775807", want: "9223372036854775807"},
			{json: "-9223372036854775808", want: "-9223372036854775808"},
			{json: "9223372036854775808", want: "NULL", bad: true}, {json: "1.0", want: "NULL", bad: true},
			{json: "1e2", want: "NULL", bad: true}, {json: `"1"`, want: "NULL", bad: true}, {json: "true", want: "NULL", bad: true},
			{json: "null", want: "NULL"}, {json: "", want: "NULL"}, {json: "[1]", want: "NULL", bad: true},
			{json: "123456789012345678", want: "123456789012345678"}, {json: "-123456789012345678", want: "-123456789012345678"},
		}},
		{name: "int8", typ: tInt8, values: []value{
			{json: "127", want: "127"}, {json: "-128", want: "-128"}, {json: "128", want: "NULL", bad: true},
		}},
		{name: "uint8", typ: tUint8, values: []value{
			{json: "255", want: "255"}, {json: "256", want: "NULL", bad: true}, {json: "-1", want: "NULL", bad: true},
			{json: "1.0", want: "NULL", bad: true},
		}},
		{name: "uint64", typ: tUint64, values: []value{
			{json: "18446744073709551615", want: "18446744073709551615"}, {json: "18446744073709551616", want: "NULL", bad: true},
		}},
		{name: "float64", typ: tFloat64, values: []value{
			{json: "1.5", want: "1.5"}, {json: "2", want: "2"}, {json: "-0.0", want: "-0"}, {json: "1E-3", want: "0.001"},
			{json: "0.1", want: "0.1"}, {json: "1.7976931348623157e308", want: "1.7976931348623157e+308"},
			{json: "1e400", want: "+Inf"}, {json: "NaN", want: "NaN"}, {json: "-Infinity", want: "-Inf"},
			{json: `"NaN"`, want: "NaN"}, {json: `"Infinity"`, want: "+Inf"}, {json: `"+Infinity"`, want: "+Inf"},
			{json: `"1.5"`, want: "NULL", bad: true}, {json: "false", want: "NULL", bad: true}, {json: "{}", want: "NULL", bad: true},
		}},
		{name: "float32", typ: tFloat32, values: []value{
			{json: "0.1", want: "0.1"}, {json: "16777217", want: "1.6777216e+07"}, {json: "1e39", want: "+Inf"},
		}},
		{name: "bool", typ: tBool, values: []value{
			{json: "true", want: "true"}, {json: "false", want: "false"}, {json: `"true"`, want: "NULL", bad: true},
			{json: "1", want: "NULL", bad: true},
		}},
		{name: "string", typ: tString, values: []value{
			{json: `"x"`, want: `"x"`}, {json: `""`, want: `""`},
			{json: `"a\"b\\c\/d\b\f\n\r\t"`, want: `"a\"b\\c/d\b\f\n\r\t"`},
			{json: `"\u00e9\u4e2d\ud83d\ude00"`, want: `"é中😀"`}, {json: `"é中😀"`, want: `"é中😀"`},
			{json: `"\ud800"`, want: "\"\ufffd\""}, {json: `"\ud800\u0041"`, want: "\"\ufffdA\""}, {json: `"\u0000"`, want: `"\x00"`},
			{json: "12", want: `"12"`}, {json: "1.50", want: `"1.50"`}, {json: "true", want: `"true"`},
			{json: `{ "b" : [1, 2] , "c":"x y" }`, want: `"{\"b\":[1,2],\"c\":\"x y\"}"`},
			{json: `[ "a\" b" ,{} ]`, want: `"[\"a\\\" b\",{}]"`},
		}},
		{name: "binary", typ: tBinary, values: []value{
			{json: `"aGk="`, want: `b"hi"`}, {json: `""`, want: `b""`}, {json: `"!"`, want: "NULL", bad: true},
		}},
		{name: "date", typ: tDate32, values: []value{
			{json: `"2024-02-29"`, want: "2024-02-29"}, {json: `"1969-12-31"`, want: "1969-12-31"},
			{json: `"2024-02-30"`, want: "NULL", bad: true}, {json: "20240229", want: "NULL", bad: true},
		}},
		{name: "date format", typ: tDate32, opts: func(o *jsonio.Options) { o.DateFormat = "dd/MM/yyyy" }, values: []value{
			{json: `"29/02/2024"`, want: "2024-02-29"}, {json: `"2024-02-29"`, want: "NULL", bad: true},
		}},
		{name: "timestamp", typ: tTsUs, values: []value{
			{json: `"2024-01-02T03:04:05.123456Z"`, want: "2024-01-02T03:04:05.123456Z"},
			{json: `"2024-01-02T03:04:05+01:00"`, want: "2024-01-02T02:04:05Z"},
			{json: `"2024-01-02 03:04:05"`, want: "2024-01-02T03:04:05Z"}, {json: `"2024-01-02"`, want: "2024-01-02T00:00:00Z"},
			{json: "1704164645", want: "2024-01-02T03:04:05Z"}, {json: "1.5", want: "NULL", bad: true},
			{json: `"yesterday"`, want: "NULL", bad: true},
		}},
		{name: "timestamp ns out of range", typ: tTsNs, values: []value{
			{json: `"2262-04-11T23:47:16.854775807Z"`, want: "2262-04-11T23:47:16.854775807Z"},
			{json: `"3000-01-01T00:00:00Z"`, want: "NULL", bad: true}, {json: "99999999999", want: "NULL", bad: true},
		}},
		{name: "timestamp format", typ: tTsUs, opts: func(o *jsonio.Options) { o.TimestampFormat = "dd/MM/yyyy HH:mm" }, values: []value{
			{json: `"02/01/2024 03:04"`, want: "2024-01-02T03:04:00Z"},
		}},
		{name: "timestamp optional sections", typ: tTsUs, opts: func(o *jsonio.Options) { o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss[.SSS][XXX]" }, values: []value{
			{json: `"2024-01-02T03:04:05.250+01:00"`, want: "2024-01-02T02:04:05.25Z"}, {json: `"2024-01-02T03:04:05"`, want: "2024-01-02T03:04:05Z"},
			{json: `"2024-01-02T03:04:05Z"`, want: "2024-01-02T03:04:05Z"}, {json: `"02/01/2024"`, want: "NULL", bad: true},
		}},
		{name: "decimal", typ: tDec, values: []value{
			{json: "12.345", want: "12.35"}, {json: `"-0.5"`, want: "-0.50"}, {json: "1e3", want: "1000.00"},
			{json: "123456789", want: "NULL", bad: true}, {json: `"x"`, want: "NULL", bad: true}, {json: "1e999", want: "NULL", bad: true},
			{json: "NaN", want: "NULL", bad: true},
		}},
		{name: "list", typ: arrow.ListOf(tInt64), values: []value{
			{json: "[1, 2, 3]", want: "[1,2,3]"}, {json: "[]", want: "[]"}, {json: "[null, 1]", want: "[NULL,1]"},
			{json: `[1, "x", 3]`, want: "[1,NULL,3]", bad: true}, {json: "1", want: "NULL", bad: true},
			{json: `{"a": 1}`, want: "NULL", bad: true},
		}},
		{name: "embedding", typ: arrow.ListOf(tFloat32), values: []value{
			{json: "[0.25, -1, 3e-2]", want: "[0.25,-1,0.03]"},
		}},
		{name: "fixed size list", typ: arrow.FixedSizeListOf(3, tFloat32), values: []value{
			{json: "[0.25, -1, 3e-2]", want: "[0.25,-1,0.03]"}, {json: "[1, 2]", want: "NULL", bad: true},
			{json: "[1, null, 2]", want: "[1,NULL,2]"},
		}},
		{name: "struct", typ: structOf("a", tInt64, "b", structOf("c", tString)), values: []value{
			{json: `{"a": 1, "b": {"c": "x"}}`, want: `{a:1,b:{c:"x"}}`},
			{json: `{"b": {}, "extra": [1, {"a": 2}]}`, want: `{a:NULL,b:{c:NULL}}`},
			{json: `{"a": 1, "a": 2}`, want: `{a:2,b:NULL}`},
			{json: `{"a": "x", "b": {"c": 5}}`, want: `{a:NULL,b:{c:"5"}}`, bad: true},
			{json: `{}`, want: `{a:NULL,b:NULL}`}, {json: "[]", want: "NULL", bad: true},
			{json: `{"A": 1, "\u0061": 3}`, want: `{a:3,b:NULL}`},
		}},
		{name: "list of structs", typ: arrow.ListOf(structOf("x", tFloat64, "tags", arrow.ListOf(tString))), values: []value{
			{json: `[{"x": 1, "tags": ["a", "b"]}, {"tags": []}, null, {"x": 2.5}]`, want: `[{x:1,tags:["a","b"]},{x:NULL,tags:[]},NULL,{x:2.5,tags:NULL}]`},
			{json: `[{"x": "no"}]`, want: `[{x:NULL,tags:NULL}]`, bad: true},
		}},
		{name: "large string", typ: arrow.BinaryTypes.LargeString, values: []value{{json: `"x"`, want: `"x"`}}},
		{name: "large list", typ: arrow.LargeListOf(tInt64), values: []value{{json: `[1]`, want: `[1]`}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var sb strings.Builder
			var want []string
			for _, v := range c.values {
				if v.json == "" {
					sb.WriteString("{}\n")
				} else {
					sb.WriteString(`{"v": ` + v.json + "}\n")
				}
				corrupt := "NULL"
				if v.bad {
					corrupt = strings.TrimSuffix(sb.String()[strings.LastIndexByte(sb.String()[:sb.Len()-1], '\n')+1:], "\n")
					corrupt = quote(corrupt)
				}
				want = append(want, v.want+","+corrupt)
			}
			s := schema("v", c.typ, "_corrupt_record", tString)
			res := mustScan(t, mustSource(t, sb.String(), s, options(c.opts)), plan.ScanOptions{})
			if d := diffRows(res.Rows, want); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// quote quotes like formatCell quotes strings.
func quote(s string) string { return strconv.Quote(s) }

// TestLines covers how lines are found: blank lines, CRLF, a final line
// without a newline, a byte order mark, whitespace around values.
func TestLines(t *testing.T) {
	cases := []struct {
		name, content string
		rows          []string
	}{
		{name: "plain", content: `{"a":1}` + "\n" + `{"a":2}` + "\n", rows: []string{"1", "2"}},
		{name: "no final newline", content: `{"a":1}` + "\n" + `{"a":2}`, rows: []string{"1", "2"}},
		{name: "crlf", content: "{\"a\":1}\r\n{\"a\":2}\r\n", rows: []string{"1", "2"}},
		{name: "blank lines", content: "\n \n\t\r\n{\"a\":1}\n\n\n{\"a\":2}\n  \n", rows: []string{"1", "2"}},
		{name: "bom", content: "\xef\xbb\xbf{\"a\":1}\n", rows: []string{"1"}},
		{name: "spaces", content: "  { \"a\" :\t1 }  \r\n", rows: []string{"1"}},
		{name: "empty file", content: "", rows: nil},
		{name: "only blank", content: "\n\n \n", rows: nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustScan(t, mustSource(t, c.content, schema("a", tInt64), options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast })), plan.ScanOptions{})
			if d := diffRows(res.Rows, c.rows); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestBatches checks that batches are bounded by rows and by bytes.
func TestBatches(t *testing.T) {
	var sb strings.Builder
	for range 10 {
		sb.WriteString(`{"s": "` + strings.Repeat("x", 100) + `"}` + "\n")
	}
	src := mustSource(t, sb.String(), schema("s", tString), options(nil))
	cases := []struct {
		so   plan.ScanOptions
		want []int
	}{
		{so: plan.ScanOptions{BatchRows: 3}, want: []int{3, 3, 3, 1}},
		{so: plan.ScanOptions{BatchBytes: 250}, want: []int{3, 3, 3, 1}},
		{so: plan.ScanOptions{BatchBytes: 1}, want: []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{so: plan.ScanOptions{}, want: []int{10}},
	}
	for _, c := range cases {
		res := mustScan(t, src, c.so)
		if len(res.Batches) != len(c.want) {
			t.Fatalf("%+v: batches %v, want %v", c.so, res.Batches, c.want)
		}
		for i := range c.want {
			if res.Batches[i] != c.want[i] {
				t.Fatalf("%+v: batches %v, want %v", c.so, res.Batches, c.want)
			}
		}
	}
}

// TestLongLine reads a line longer than the read buffer.
func TestLongLine(t *testing.T) {
	long := strings.Repeat("é", 3<<20)
	content := `{"s":"a"}` + "\n" + `{"s":"` + long + `"}` + "\n" + `{"s":"b"}` + "\n"
	for _, size := range []int64{0, 1 << 20} {
		o := options(nil)
		if size > 0 {
			o = tinySplits(o, size)
		}
		res := mustScan(t, mustSource(t, content, schema("s", tString), o), plan.ScanOptions{})
		if len(res.Rows) != 3 || res.Rows[1] != quote(long) || res.Rows[2] != `"b"` {
			t.Fatalf("split %d: %d rows", size, len(res.Rows))
		}
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	good := writeFile(t, dir, "good.json", `{"a":1}`+"\n")
	cases := []struct {
		name   string
		paths  []string
		schema *arrow.Schema
		opts   jsonio.Options
		want   string
	}{
		{name: "missing file", paths: []string{filepath.Join(dir, "nope.json")}, want: "nope.json"},
		{name: "glob matches nothing", paths: []string{filepath.Join(dir, "*.jsonl")}, want: "*.jsonl"},
		{name: "no paths", want: "no path"},
		{name: "bad type", paths: []string{good}, schema: schema("a", arrow.MapOf(tString, tInt64)), want: `column "a": type map<utf8, int64, items_nullable> cannot be read`},
		{name: "corrupt not string", paths: []string{good}, schema: schema("_corrupt_record", tInt64), want: `corrupt-record column "_corrupt_record" must be a string`},
		{name: "duplicate column", paths: []string{good}, schema: schema("a", tInt64, "a", tString), want: `column "a" appears twice`},
		{name: "bad date format", paths: []string{good}, schema: schema("a", tInt64), opts: options(func(o *jsonio.Options) { o.DateFormat = "qq" }), want: `date pattern "qq"`},
		{name: "nothing to infer from", paths: []string{writeFile(t, dir, "blank.json", "\n\n")}, want: "blank.json: no records to take a schema from"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := c.opts
			if o == (jsonio.Options{}) {
				o = jsonio.DefaultOptions()
			}
			_, err := jsonio.NewSource(c.paths, c.schema, o)
			if err == nil || !strings.HasPrefix(err.Error(), "jsonio: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want one naming %q", err, c.want)
			}
		})
	}

	// A file removed after listing: Open names it.
	path := writeFile(t, dir, "gone.json", `{"a":1}`+"\n")
	src, err := jsonio.NewSource([]string{path}, schema("a", tInt64), jsonio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := src.Open(ctx, 0, plan.ScanOptions{}); err == nil || !strings.Contains(err.Error(), path) || !strings.HasPrefix(err.Error(), "jsonio: ") {
		t.Fatalf("error %v, want one naming %s", err, path)
	}
	if _, err := src.Open(ctx, 1, plan.ScanOptions{}); err == nil || !strings.Contains(err.Error(), "out of range") {
		t.Fatalf("error %v for partition 1", err)
	}
}

// TestReaderLifecycle checks Close is idempotent, Next after Close fails,
// errors are sticky and a cancelled context stops reading.
func TestReaderLifecycle(t *testing.T) {
	mem := checkedAllocator(t)
	src := mustSource(t, "{\"a\":1}\nx\n{\"a\":2}\n", schema("a", tInt64), options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast }))
	r, err := src.Open(ctx, 0, plan.ScanOptions{Allocator: mem, BatchRows: 1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	_, err1 := r.Next(ctx)
	_, err2 := r.Next(ctx)
	if !errors.Is(err1, jsonio.ErrMalformed) || err1 != err2 {
		t.Fatalf("errors %v, %v", err1, err2)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	r, err = src.Open(ctx, 0, plan.ScanOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	r.Close()
	if _, err := r.Next(ctx); err == nil {
		t.Fatal("Next after Close succeeded")
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := src.Open(cancelled, 0, plan.ScanOptions{Allocator: mem}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: %v", err)
	}
}

func TestParseOptions(t *testing.T) {
	o, err := jsonio.ParseOptions(map[string]string{
		"MODE": "dropMalformed", "columnNameOfCorruptRecord": "bad", "samplingRows": "7", "primitivesAsString": "true",
		"dropFieldIfAllNull": "true", "dateFormat": "dd/MM/yyyy", "timestampFormat": "yyyy-MM-dd HH:mm", "ignoreNullFields": "false",
		"maxPartitionBytes": "1000", "multiLine": "false", "encoding": "UTF-8",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := jsonio.DefaultOptions()
	want.Mode, want.CorruptColumn, want.SamplingRows, want.PrimitivesAsString = jsonio.DropMalformed, "bad", 7, true
	want.DropFieldIfAllNull, want.DateFormat, want.TimestampFormat, want.IgnoreNullFields = true, "dd/MM/yyyy", "yyyy-MM-dd HH:mm", false
	want.MaxSplitBytes = 1000
	if o != want {
		t.Fatalf("got %+v\nwant %+v", o, want)
	}
	for _, bad := range []map[string]string{
		{"sep": ","}, {"mode": "lenient"}, {"samplingRows": "0"}, {"primitivesAsString": "maybe"}, {"multiLine": "true"},
		{"encoding": "latin1"}, {"maxPartitionBytes": "-1"}, {"dateFormat": "qq"},
	} {
		_, err := jsonio.ParseOptions(bad)
		for k := range bad {
			if err == nil || !strings.HasPrefix(err.Error(), "jsonio: ") || !strings.Contains(err.Error(), k) && !strings.Contains(err.Error(), bad[k]) {
				t.Errorf("%v: error %v", bad, err)
			}
		}
	}
	if s := jsonio.FailFast.String(); s != "FAILFAST" {
		t.Errorf("FailFast.String() = %q", s)
	}
	if s := jsonio.Mode(9).String(); s != "Mode(9)" {
		t.Errorf("Mode(9).String() = %q", s)
	}
}
