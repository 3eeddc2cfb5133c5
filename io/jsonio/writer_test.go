package jsonio_test

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// fromJSON builds a batch from rows written as arrow's JSON (an array of
// objects).
func fromJSON(t testing.TB, mem memory.Allocator, s *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// writeBatches writes batches with the options and returns the text.
func writeBatches(t testing.TB, o jsonio.Options, s *arrow.Schema, batches ...arrow.RecordBatch) string {
	t.Helper()
	return string(sourcetest.Encode(t, jsonio.Format{Options: o}, s, batches...))
}

// floatBatch builds a batch of one float64 column f and one float32
// column g with the given values, which JSON input could not give.
func floatBatch(mem memory.Allocator, values ...float64) arrow.RecordBatch {
	s := schema("f", tFloat64, "g", tFloat32)
	b := array.NewRecordBuilder(mem, s)
	defer b.Release()
	for _, v := range values {
		b.Field(0).(*array.Float64Builder).Append(v)
		b.Field(1).(*array.Float32Builder).Append(float32(v))
	}
	return b.NewRecordBatch()
}

func TestWrite(t *testing.T) {
	dict := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: tString}
	cases := []struct {
		name   string
		schema *arrow.Schema
		rows   string // arrow JSON
		batch  func(memory.Allocator) arrow.RecordBatch
		opts   func(*jsonio.Options)
		want   string
	}{
		{
			name:   "primitives and nulls omitted",
			schema: schema("i", tInt64, "u", tUint8, "b", tBool, "s", tString, "n", tInt32),
			rows:   `[{"i": 1, "u": 255, "b": true, "s": "x", "n": null}, {"i": null, "u": null, "b": false, "s": "", "n": -3}, {}]`,
			want:   `{"i":1,"u":255,"b":true,"s":"x"}` + "\n" + `{"b":false,"s":"","n":-3}` + "\n" + `{}` + "\n",
		},
		{
			name:   "nulls written",
			schema: schema("i", tInt64, "s", structOf("a", tString), "l", arrow.ListOf(tInt64)),
			rows:   `[{"i": null, "s": {"a": null}, "l": [null, 1]}, {}]`,
			opts:   func(o *jsonio.Options) { o.IgnoreNullFields = false },
			want:   `{"i":null,"s":{"a":null},"l":[null,1]}` + "\n" + `{"i":null,"s":null,"l":null}` + "\n",
		},
		{
			name:   "floats",
			schema: schema("f", tFloat64, "g", tFloat32),
			batch: func(mem memory.Allocator) arrow.RecordBatch {
				return floatBatch(mem, 1, 0.1, math.Copysign(0, -1), 1e20, 1.5e-7, 123456789.125, math.NaN(), math.Inf(1), math.Inf(-1))
			},
			want: `{"f":1.0,"g":1.0}` + "\n" + `{"f":0.1,"g":0.1}` + "\n" + `{"f":-0.0,"g":-0.0}` + "\n" +
				`{"f":1e+20,"g":1e+20}` + "\n" + `{"f":1.5e-07,"g":1.5e-07}` + "\n" + `{"f":1.23456789125e+08,"g":1.2345679e+08}` + "\n" +
				`{"f":"NaN","g":"NaN"}` + "\n" + `{"f":"Infinity","g":"Infinity"}` + "\n" + `{"f":"-Infinity","g":"-Infinity"}` + "\n",
		},
		{
			name:   "strings",
			schema: schema("s", tString, `we"ird\key`, tInt64),
			batch: func(mem memory.Allocator) arrow.RecordBatch {
				b := array.NewRecordBuilder(mem, schema("s", tString, `we"ird\key`, tInt64))
				defer b.Release()
				for _, s := range []string{"a\"b\\c", "line\nbreak\r\ttab\b\f", "\x00\x01\x1f\x7f", "é中😀\u2028", "bad\xffbyte\xc3"} {
					b.Field(0).(*array.StringBuilder).Append(s)
					b.Field(1).(*array.Int64Builder).Append(1)
				}
				return b.NewRecordBatch()
			},
			want: `{"s":"a\"b\\c","we\"ird\\key":1}` + "\n" + `{"s":"line\nbreak\r\ttab\b\f","we\"ird\\key":1}` + "\n" +
				`{"s":"\u0000\u0001\u001f` + "\x7f" + `","we\"ird\\key":1}` + "\n" + `{"s":"é中😀` + "\u2028" + `","we\"ird\\key":1}` + "\n" +
				`{"s":"bad\ufffdbyte\ufffd","we\"ird\\key":1}` + "\n",
		},
		{
			name:   "dates and times",
			schema: schema("d", tDate32, "t", tTsUs, "n", tTsNs),
			rows:   `[{"d": "2024-02-29", "t": "2024-01-02T03:04:05.5Z", "n": "2024-01-02T03:04:05.000000001"}, {"d": "1969-12-31", "t": "1970-01-01T00:00:00Z"}]`,
			want:   `{"d":"2024-02-29","t":"2024-01-02T03:04:05.5Z","n":"2024-01-02T03:04:05.000000001Z"}` + "\n" + `{"d":"1969-12-31","t":"1970-01-01T00:00:00Z"}` + "\n",
		},
		{
			name:   "date and timestamp formats",
			schema: schema("d", tDate32, "t", tTsUs),
			rows:   `[{"d": "2024-02-29", "t": "2024-01-02T03:04:05.5Z"}]`,
			opts:   func(o *jsonio.Options) { o.DateFormat, o.TimestampFormat = "dd/MM/yyyy", "yyyy-MM-dd HH:mm:ss.SSS" },
			want:   `{"d":"29/02/2024","t":"2024-01-02 03:04:05.500"}` + "\n",
		},
		{
			name:   "decimal and binary",
			schema: schema("x", tDec, "b", tBinary),
			rows:   `[{"x": "12.30", "b": "aGk="}, {"x": "-0.05", "b": ""}]`,
			want:   `{"x":12.30,"b":"aGk="}` + "\n" + `{"x":-0.05,"b":""}` + "\n",
		},
		{
			name:   "nested",
			schema: schema("s", structOf("a", tInt64, "t", structOf("b", tString)), "l", arrow.ListOf(structOf("x", tFloat64, "tags", arrow.ListOf(tString))), "e", arrow.FixedSizeListOf(2, tFloat32)),
			rows:   `[{"s": {"a": 1, "t": {"b": "x"}}, "l": [{"x": 1.5, "tags": ["a", null]}, null, {"tags": []}], "e": [0.5, -1]}, {"s": {"t": null}, "l": [], "e": [null, 2]}]`,
			want:   `{"s":{"a":1,"t":{"b":"x"}},"l":[{"x":1.5,"tags":["a",null]},null,{"tags":[]}],"e":[0.5,-1.0]}` + "\n" + `{"s":{},"l":[],"e":[null,2.0]}` + "\n",
		},
		{
			name:   "dictionary and null type",
			schema: schema("d", dict, "z", arrow.Null),
			batch: func(mem memory.Allocator) arrow.RecordBatch {
				b := array.NewRecordBuilder(mem, schema("d", dict, "z", arrow.Null))
				defer b.Release()
				db := b.Field(0).(*array.BinaryDictionaryBuilder)
				db.AppendString("x")
				db.AppendString("y")
				db.AppendNull()
				db.AppendString("x")
				b.Field(1).AppendNulls(4)
				return b.NewRecordBatch()
			},
			want: `{"d":"x"}` + "\n" + `{"d":"y"}` + "\n" + `{}` + "\n" + `{"d":"x"}` + "\n",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedAllocator(t)
			var b arrow.RecordBatch
			if c.batch != nil {
				b = c.batch(mem)
			} else {
				b = fromJSON(t, mem, c.schema, c.rows)
			}
			defer b.Release()
			got := writeBatches(t, options(c.opts), c.schema, b)
			if got != c.want {
				t.Fatalf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// TestRoundTrip writes batches and reads them back, with the schema and
// with an inferred one, whole and in tiny splits: every value, NULLs
// included, must come back as written.
func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	mem := checkedAllocator(t)
	var floats []float64
	for range 200 {
		floats = append(floats, math.Float64frombits(rng.Uint64()), rng.NormFloat64()*math.Pow(10, float64(rng.IntN(40)-20)))
	}
	floats = append(floats, 0, math.Copysign(0, -1), math.MaxFloat64, math.SmallestNonzeroFloat64, 5e-324, 1e21, 1e-7, 0.1+0.2)
	fb := floatBatch(mem, floats...)
	defer fb.Release()
	cases := []struct {
		name   string
		schema *arrow.Schema
		batch  arrow.RecordBatch
		infer  bool // an inferred schema reads the same
	}{
		{name: "floats", schema: fb.Schema(), batch: fb},
		{
			name:   "mixed",
			schema: schema("i", tInt64, "f", tFloat64, "s", tString, "b", tBool, "n", structOf("x", tInt64, "y", arrow.ListOf(tString)), "l", arrow.ListOf(tFloat64)),
			batch: fromJSON(t, mem, schema("i", tInt64, "f", tFloat64, "s", tString, "b", tBool, "n", structOf("x", tInt64, "y", arrow.ListOf(tString)), "l", arrow.ListOf(tFloat64)), `[
				{"i": 1, "f": 1.0, "s": "plain", "b": true, "n": {"x": 1, "y": ["a", "b"]}, "l": [1.0, 2.5]},
				{"i": -9223372036854775808, "f": -0.5, "s": "quote \" backslash \\ slash / newline \n tab \t nul \u0000", "b": false, "n": {"x": null, "y": [null]}, "l": []},
				{"i": null, "f": null, "s": "é中😀 \u2028 \ud83d\ude00", "b": null, "n": null, "l": null},
				{"i": 9223372036854775807, "f": 1e300, "s": "", "b": true, "n": {"x": 2, "y": []}, "l": [null, 3.0]},
				{"s": "{\"looks\": [\"like json\"]}"}
			]`),
			infer: true,
		},
		{
			name:   "typed",
			schema: schema("d", tDate32, "t", tTsNs, "x", tDec, "bin", tBinary, "e", arrow.FixedSizeListOf(3, tFloat32), "u", tUint64),
			batch: fromJSON(t, mem, schema("d", tDate32, "t", tTsNs, "x", tDec, "bin", tBinary, "e", arrow.FixedSizeListOf(3, tFloat32), "u", tUint64), `[
				{"d": "2024-02-29", "t": "2024-01-02T03:04:05.123456789", "x": "-12.34", "bin": "AAEC/w==", "e": [0.1, 0.2, 0.3], "u": 18446744073709551615},
				{"d": null, "t": null, "x": null, "bin": null, "e": null, "u": null},
				{"d": "0001-01-01", "t": "1677-09-22T00:00:01", "x": "99999999.99", "bin": "", "e": [null, 1, -1], "u": 0}
			]`),
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.batch != fb {
				defer c.batch.Release()
			}
			text := writeBatches(t, jsonio.DefaultOptions(), c.schema, c.batch)
			want := formatRows(c.batch)
			path := writeFile(t, t.TempDir(), "data.json", text)
			schemas := []*arrow.Schema{c.schema}
			if c.infer {
				schemas = append(schemas, nil)
			}
			for _, s := range schemas {
				for _, size := range []int64{0, 1, 13} {
					o := options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast })
					if size > 0 {
						o = tinySplits(o, size)
					}
					src, err := jsonio.NewSource([]string{path}, s, o)
					if err != nil {
						t.Fatal(err)
					}
					if !src.Schema().Equal(c.schema) {
						t.Fatalf("schema %s, want %s", src.Schema(), c.schema)
					}
					got, err := scan(t, src, plan.ScanOptions{})
					if err != nil {
						t.Fatalf("split %d: %v\nfile:\n%s", size, err, text)
					}
					if d := diffRows(got.Rows, want); d != "" {
						t.Fatalf("split %d, inferred %v: %s\nfile:\n%s", size, s == nil, d, text)
					}
				}
			}
		})
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestWriteErrors(t *testing.T) {
	f := jsonio.Format{Options: jsonio.DefaultOptions()}
	if f.Name() != "json" || f.Extension() != "json" {
		t.Fatalf("name %q, extension %q", f.Name(), f.Extension())
	}
	for _, s := range []*arrow.Schema{
		schema("ok", tInt64, "m", arrow.MapOf(tString, tInt64)),
		schema("s", structOf("t", arrow.FixedWidthTypes.Time32s)),
		schema("l", arrow.ListOf(arrow.FixedWidthTypes.Float16)),
	} {
		if _, err := f.NewWriter(&bytes.Buffer{}, s); err == nil || !strings.HasPrefix(err.Error(), "jsonio: column ") || !strings.Contains(err.Error(), "cannot be written") {
			t.Errorf("%s: error %v", s, err)
		}
	}
	bad := f
	bad.Options.TimestampFormat = "qq"
	if _, err := bad.NewWriter(&bytes.Buffer{}, schema("a", tInt64)); err == nil {
		t.Error("a bad timestamp format was accepted")
	}

	mem := checkedAllocator(t)
	b := fromJSON(t, mem, schema("a", tInt64), `[{"a": 1}]`)
	defer b.Release()
	w, err := f.NewWriter(&bytes.Buffer{}, schema("b", tInt64))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(b); err == nil || !strings.Contains(err.Error(), "differs") {
		t.Errorf("schema mismatch: %v", err)
	}
	w, err = f.NewWriter(failingWriter{}, b.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(b); err != nil {
		t.Fatal(err) // buffered
	}
	if err := w.Close(); !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "jsonio: ") {
		t.Errorf("Close: %v", err)
	}
}
