package udf_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
)

func fromJSON(t testing.TB, mem memory.Allocator, typ arrow.DataType, js string) arrow.Array {
	t.Helper()
	arr, _, err := array.FromJSON(mem, typ, strings.NewReader(js))
	if err != nil {
		t.Fatalf("FromJSON(%s, %s): %v", typ, js, err)
	}
	return arr
}

// invoke checks the arguments' types as a plan would, then runs s over
// them with mem as the job's allocator.
func invoke(mem memory.Allocator, s *udf.Scalar, args ...arrow.Array) (arrow.Array, error) {
	types := make([]arrow.DataType, len(args))
	for i, a := range args {
		types[i] = a.DataType()
	}
	if _, err := s.ReturnType(types); err != nil {
		return nil, err
	}
	ctx := compute.WithAllocator(context.Background(), mem)
	return s.Invoke(ctx, args, args[0].Len())
}

// typedCase runs a UDF over JSON inputs and compares its result with want.
type typedCase struct {
	name   string
	fn     *udf.Scalar
	types  []arrow.DataType
	inputs []string
	want   string
}

func (c typedCase) run(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	args := make([]arrow.Array, len(c.inputs))
	types := make([]arrow.DataType, len(c.inputs))
	for i, in := range c.inputs {
		args[i] = fromJSON(t, mem, c.types[i], in)
		defer args[i].Release()
		types[i] = c.types[i]
	}
	rt, err := c.fn.ReturnType(types)
	if err != nil {
		t.Fatal(err)
	}
	got, err := invoke(mem, c.fn, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if !arrow.TypeEqual(got.DataType(), rt) {
		t.Fatalf("result type %s, ReturnType said %s", got.DataType(), rt)
	}
	want := fromJSON(t, mem, rt, c.want)
	defer want.Release()
	if !array.Equal(got, want) {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
	if got.NullN() != want.NullN() {
		t.Fatalf("null count %d, want %d", got.NullN(), want.NullN())
	}
}

func identity[T udf.Value](name string, typ arrow.DataType, js string) typedCase {
	return typedCase{
		name:   name,
		fn:     udf.Func1(name, func(v T) T { return v }),
		types:  []arrow.DataType{typ},
		inputs: []string{js},
		want:   js,
	}
}

var (
	f64 = arrow.PrimitiveTypes.Float64
	f32 = arrow.PrimitiveTypes.Float32
	i64 = arrow.PrimitiveTypes.Int64
	i32 = arrow.PrimitiveTypes.Int32
	str = arrow.BinaryTypes.String
	ts  = arrow.FixedWidthTypes.Timestamp_us
)

func TestTypedValues(t *testing.T) {
	cases := []typedCase{
		identity[bool]("bool", arrow.FixedWidthTypes.Boolean, `[true, null, false]`),
		identity[int8]("int8", arrow.PrimitiveTypes.Int8, `[-128, null, 127]`),
		identity[int16]("int16", arrow.PrimitiveTypes.Int16, `[-32768, null, 32767]`),
		identity[int32]("int32", i32, `[-1, null, 2147483647]`),
		identity[int64]("int64", i64, `[-9223372036854775808, null, 9223372036854775807]`),
		identity[uint8]("uint8", arrow.PrimitiveTypes.Uint8, `[0, null, 255]`),
		identity[uint16]("uint16", arrow.PrimitiveTypes.Uint16, `[0, null, 65535]`),
		identity[uint32]("uint32", arrow.PrimitiveTypes.Uint32, `[0, null, 4294967295]`),
		identity[uint64]("uint64", arrow.PrimitiveTypes.Uint64, `[0, null, 18446744073709551615]`),
		identity[float32]("float32", f32, `[1.5, null, -0.25]`),
		identity[float64]("float64", f64, `[1.5, null, 1e300]`),
		identity[string]("string", str, `["", null, "héllo"]`),
		identity[[]byte]("bytes", arrow.BinaryTypes.Binary, `["AAE=", null, ""]`),
		identity[time.Time]("time", ts, `["2024-02-29T12:34:56.789012Z", null, "1969-12-31T23:59:59Z"]`),
		identity[float64]("no rows", f64, `[]`),
		identity[string]("no nulls", str, `["a", "b"]`),
		{
			name:   "fahrenheit",
			fn:     udf.Func1("fahrenheit", func(c float64) float64 { return c*9/5 + 32 }),
			types:  []arrow.DataType{f64},
			inputs: []string{`[0, 100, null, -40]`},
			want:   `[32, 212, null, -40]`,
		},
		{
			name:   "length",
			fn:     udf.Func1("length", func(s string) int32 { return int32(len(s)) }),
			types:  []arrow.DataType{str},
			inputs: []string{`["abc", null, ""]`},
			want:   `[3, null, 0]`,
		},
		{
			name:   "repeat",
			fn:     udf.Func2("repeat", func(s string, n int64) string { return strings.Repeat(s, int(n)) }),
			types:  []arrow.DataType{str, i64},
			inputs: []string{`["ab", "x", null, "y"]`, `[2, null, 1, 0]`},
			want:   `["abab", null, null, ""]`,
		},
		{
			name: "clamp",
			fn: udf.Func3("clamp", func(v, lo, hi float32) float32 {
				return min(max(v, lo), hi)
			}),
			types:  []arrow.DataType{f32, f32, f32},
			inputs: []string{`[5, -5, 1, null]`, `[0, 0, null, 0]`, `[1, 1, 2, 1]`},
			want:   `[1, 0, null, null]`,
		},
		{
			name:   "positive",
			fn:     udf.Func1("positive", func(v int64) bool { return v > 0 }),
			types:  []arrow.DataType{i64},
			inputs: []string{`[1, null, -1]`},
			want:   `[true, null, false]`,
		},
		{
			name:   "hex",
			fn:     udf.Func1("hex", func(b []byte) string { return fmt.Sprintf("%x", b) }),
			types:  []arrow.DataType{arrow.BinaryTypes.Binary},
			inputs: []string{`["AAE=", null]`},
			want:   `["0001", null]`,
		},
		{
			name:   "next hour",
			fn:     udf.Func1("next_hour", func(t time.Time) time.Time { return t.Truncate(time.Hour).Add(time.Hour) }),
			types:  []arrow.DataType{ts},
			inputs: []string{`["2024-01-01T10:30:00Z", null]`},
			want:   `["2024-01-01T11:00:00Z", null]`,
		},
		{
			// A pointer result lets the function return NULL.
			name: "parse",
			fn: udf.Func1("parse", func(s string) *int64 {
				n, err := strconv.ParseInt(s, 10, 64)
				if err != nil {
					return nil
				}
				return &n
			}),
			types:  []arrow.DataType{str},
			inputs: []string{`["12", "x", null, "-3"]`},
			want:   `[12, null, null, -3]`,
		},
		{
			name: "nullable string",
			fn: udf.Func1("initial", func(s string) *string {
				if s == "" {
					return nil
				}
				i := s[:1]
				return &i
			}),
			types:  []arrow.DataType{str},
			inputs: []string{`["ab", "", null]`},
			want:   `["a", null, null]`,
		},
		{
			// The function may not keep a string argument, but may return
			// it: results are copied.
			name:   "echo",
			fn:     udf.Func2("echo", func(s string, b []byte) string { return s + string(b) }),
			types:  []arrow.DataType{str, arrow.BinaryTypes.Binary},
			inputs: []string{`["a", "b"]`, `["Yw==", "ZA=="]`},
			want:   `["ac", "bd"]`,
		},
	}
	for _, c := range cases {
		t.Run(c.name, c.run)
	}
}

// The arguments are read at their offset: sliced arrays, with NULLs on
// both sides of the cut.
func TestTypedSlicedInput(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	nums := fromJSON(t, mem, f64, `[1, null, 3, 4, null, 6, 7, 8, 9, null, 11]`)
	defer nums.Release()
	strs := fromJSON(t, mem, str, `["a", "b", null, "d", "e", "f", null, "h", "i", "j", "k"]`)
	defer strs.Release()
	double := udf.Func1("double", func(v float64) float64 { return 2 * v })
	tag := udf.Func2("tag", func(v float64, s string) string { return fmt.Sprint(s, v) })
	for lo := 0; lo < nums.Len(); lo++ {
		for hi := lo; hi <= nums.Len(); hi++ {
			n, s := array.NewSlice(nums, int64(lo), int64(hi)), array.NewSlice(strs, int64(lo), int64(hi))
			d, err := invoke(mem, double, n)
			if err != nil {
				t.Fatal(err)
			}
			g, err := invoke(mem, tag, n, s)
			if err != nil {
				t.Fatal(err)
			}
			for i := range n.Len() {
				x := n.(*array.Float64)
				if d.IsNull(i) != x.IsNull(i) || !x.IsNull(i) && d.(*array.Float64).Value(i) != 2*x.Value(i) {
					t.Fatalf("[%d:%d] row %d: double(%s) = %s", lo, hi, i, n, d)
				}
				null := x.IsNull(i) || s.IsNull(i)
				if g.IsNull(i) != null || !null && g.(*array.String).Value(i) != fmt.Sprint(s.(*array.String).Value(i), x.Value(i)) {
					t.Fatalf("[%d:%d] row %d: tag(%s, %s) = %s", lo, hi, i, n, s, g)
				}
			}
			for _, a := range []arrow.Array{n, s, d, g} {
				a.Release()
			}
		}
	}
}

// A NULL argument gives a NULL result without calling the function.
func TestTypedNullsSkipTheFunction(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	calls := 0
	count := udf.Func2("count", func(a, b int64) int64 { calls++; return a + b })
	a := fromJSON(t, mem, i64, `[1, null, 3, 4]`)
	defer a.Release()
	b := fromJSON(t, mem, i64, `[1, 2, null, 4]`)
	defer b.Release()
	got, err := invoke(mem, count, a, b)
	if err != nil {
		t.Fatal(err)
	}
	defer got.Release()
	if calls != 2 || got.NullN() != 2 {
		t.Fatalf("calls = %d, result %s", calls, got)
	}
}

type reading struct {
	Sensor  string   `arrow:"sensor"`
	Celsius float64  `arrow:"celsius"`
	Valid   bool     // named by the Go field
	Note    *string  `arrow:"note,omitempty"` // nil is NULL; options are ignored
	Where   location `arrow:"where"`
	Skipped int      `arrow:"-"`
	private int
}

type location struct {
	Lat, Lon float64
}

func TestTypedStruct(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	parse := udf.Func1("parse_reading", func(s string) reading {
		name, temp, _ := strings.Cut(s, "=")
		c, err := strconv.ParseFloat(temp, 64)
		r := reading{Sensor: name, Celsius: c, Valid: err == nil, Where: location{Lat: 1, Lon: float64(len(name))}, Skipped: 1, private: 2}
		if err != nil {
			note := err.Error()
			r.Note = &note
		}
		return r
	})
	want := arrow.StructOf(
		arrow.Field{Name: "sensor", Type: str, Nullable: true},
		arrow.Field{Name: "celsius", Type: f64, Nullable: true},
		arrow.Field{Name: "Valid", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
		arrow.Field{Name: "note", Type: str, Nullable: true},
		arrow.Field{Name: "where", Type: arrow.StructOf(
			arrow.Field{Name: "Lat", Type: f64, Nullable: true},
			arrow.Field{Name: "Lon", Type: f64, Nullable: true},
		), Nullable: true},
	)
	typedCase{
		name:   "struct",
		fn:     parse,
		types:  []arrow.DataType{str},
		inputs: []string{`["a=1.5", null, "bb=x"]`},
		want: `[
			{"sensor": "a", "celsius": 1.5, "Valid": true, "note": null, "where": {"Lat": 1, "Lon": 1}},
			null,
			{"sensor": "bb", "celsius": 0, "Valid": false, "note": "strconv.ParseFloat: parsing \"x\": invalid syntax", "where": {"Lat": 1, "Lon": 2}}
		]`,
	}.run(t)
	if got, err := parse.ReturnType([]arrow.DataType{str}); err != nil || !arrow.TypeEqual(got, want) {
		t.Fatalf("ReturnType = %s, %v; want %s", got, err, want)
	}

	// A pointer to a struct is NULL when nil.
	maybe := udf.Func1("maybe", func(v int64) *location {
		if v < 0 {
			return nil
		}
		return &location{Lat: float64(v)}
	})
	typedCase{
		name:   "pointer to struct",
		fn:     maybe,
		types:  []arrow.DataType{i64},
		inputs: []string{`[1, -1, null]`},
		want:   `[{"Lat": 1, "Lon": 0}, null, null]`,
	}.run(t)
}

type node struct {
	Value int64
	Next  *node
}

type hidden struct{ a, b int }

func TestTypedSignatureErrors(t *testing.T) {
	fahrenheit := udf.Func1("fahrenheit", func(c float64) float64 { return c*9/5 + 32 })
	cases := []struct {
		name string
		fn   *udf.Scalar
		args []arrow.DataType
		want string
	}{
		{"wrong type", fahrenheit, []arrow.DataType{i64}, `udf "fahrenheit": argument 1 is int64, want float64 (cast it with .Cast)`},
		{"no cast", fahrenheit, []arrow.DataType{arrow.ListOf(f64)}, `udf "fahrenheit": argument 1 is list<item: float64, nullable>, want float64`},
		{"too many", fahrenheit, []arrow.DataType{f64, f64}, `udf "fahrenheit" takes 1 argument, got 2`},
		{"second", udf.Func2("f2", func(float64, string) int64 { return 0 }), []arrow.DataType{f64, i64}, `udf "f2": argument 2 is int64, want utf8 (cast it with .Cast)`},
		{"timestamp zone", udf.Func1("t", func(time.Time) bool { return true }), []arrow.DataType{&arrow.TimestampType{Unit: arrow.Microsecond}}, `argument 1 is timestamp[us], want timestamp[us, tz=UTC] (cast it with .Cast)`},
		{"map result", udf.Func1("m", func(int64) map[string]int { return nil }), []arrow.DataType{i64}, `udf "m": result type map[string]int has no Arrow type`},
		{"int result", udf.Func1("i", func(int64) int { return 0 }), []arrow.DataType{i64}, `udf "i": result type int has no Arrow type (want bool, int8…int64`},
		{"bad field", udf.Func1("s", func(int64) struct{ C chan int } { return struct{ C chan int }{} }), []arrow.DataType{i64}, `field C of struct { C chan int }: chan int has no Arrow type`},
		{"recursive", udf.Func1("r", func(int64) node { return node{} }), []arrow.DataType{i64}, `field Next of udf_test.node: struct udf_test.node is recursive`},
		{"no fields", udf.Func1("h", func(int64) hidden { return hidden{} }), []arrow.DataType{i64}, `struct udf_test.hidden has no exported fields`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.fn.ReturnType(c.args)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant %s", err, c.want)
			}
		})
	}
	if _, err := fahrenheit.ReturnType([]arrow.DataType{i64}); !errors.Is(err, plan.ErrType) {
		t.Fatalf("err = %v, want a plan.ErrType", err)
	}
}

// Invoked directly, without a plan's type check, a typed UDF still refuses
// arguments of the wrong type instead of misreading them.
func TestTypedInvokeChecksArguments(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	ints := fromJSON(t, mem, i64, `[1]`)
	defer ints.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	fahrenheit := udf.Func1("fahrenheit", func(c float64) float64 { return c })
	if _, err := fahrenheit.Invoke(ctx, []arrow.Array{ints}, 1); err == nil || !strings.Contains(err.Error(), "argument 1 is int64, want float64") {
		t.Fatalf("err = %v", err)
	}
	if _, err := fahrenheit.Invoke(ctx, nil, 1); err == nil || !strings.Contains(err.Error(), "takes 1 arguments, got 0") {
		t.Fatalf("err = %v", err)
	}
	bad := udf.Func1("bad", func(int64) chan int { return nil })
	if _, err := bad.Invoke(ctx, []arrow.Array{ints}, 1); err == nil || !strings.Contains(err.Error(), "has no Arrow type") {
		t.Fatalf("err = %v", err)
	}
}

var errNegative = errors.New("negative")

func TestTypedRowError(t *testing.T) {
	sqrt := udf.Func1E("checked_sqrt", func(v float64) (float64, error) {
		if v < 0 {
			return 0, errNegative
		}
		return math.Sqrt(v), nil
	})
	parse := udf.Func2E("parse_base", func(s string, base int32) (int64, error) {
		return strconv.ParseInt(s, int(base), 64)
	})
	long := strings.Repeat("é", 40)
	cases := []struct {
		name   string
		fn     *udf.Scalar
		types  []arrow.DataType
		inputs []string
		row    int
		want   string
	}{
		{"one argument", sqrt, []arrow.DataType{f64}, []string{`[4, null, 9, -1, -2]`}, 3,
			`udf "checked_sqrt": row 3 of the batch (-1): negative`},
		{"two arguments", parse, []arrow.DataType{str, i32}, []string{`["10", "zz"]`, `[2, 10]`}, 1,
			`udf "parse_base": row 1 of the batch ("zz", 10): strconv.ParseInt: parsing "zz": invalid syntax`},
		{"shortened", parse, []arrow.DataType{str, i32}, []string{`["` + long + `"]`, `[10]`}, 0,
			`("` + strings.Repeat("é", 24) + `…", 10)`},
		{"three arguments", udf.Func3E("f3", func(a bool, b []byte, c time.Time) (string, error) {
			return "", errNegative
		}), []arrow.DataType{arrow.FixedWidthTypes.Boolean, arrow.BinaryTypes.Binary, ts},
			[]string{`[true]`, `["AQ=="]`, `["2024-01-01T00:00:00Z"]`}, 0,
			`udf "f3": row 0 of the batch (true, "\x01", 2024-01-01T00:00:00Z): negative`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			args := make([]arrow.Array, len(c.inputs))
			for i, in := range c.inputs {
				args[i] = fromJSON(t, mem, c.types[i], in)
				defer args[i].Release()
			}
			got, err := invoke(mem, c.fn, args...)
			if got != nil {
				got.Release()
			}
			var rowErr *udf.RowError
			if !errors.As(err, &rowErr) || rowErr.Row != c.row || rowErr.Func != c.fn.Name() || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v\nwant row %d and %s", err, c.row, c.want)
			}
		})
	}
	t.Run("unwraps", func(t *testing.T) {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		defer mem.AssertSize(t, 0)
		args := fromJSON(t, mem, f64, `[-1]`)
		defer args.Release()
		if _, err := invoke(mem, sqrt, args); !errors.Is(err, errNegative) {
			t.Fatalf("err = %v, want it to wrap the function's error", err)
		}
	})
}

// The typed helpers in DataFrames: WithColumn, Filter and the errors a job
// reports.
func TestTypedInFrame(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(2, 0), frame.WithParallelism(2))
	defer sess.Close()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "city", Type: str, Nullable: true},
		{Name: "celsius", Type: f64, Nullable: true},
		{Name: "n", Type: i64, Nullable: true},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[
		{"city": "Oslo", "celsius": -5, "n": 1},
		{"city": "Rome", "celsius": null, "n": 2},
		{"city": "Cairo", "celsius": 35, "n": -3},
		{"city": null, "celsius": 20, "n": 4}
	]`))
	if err != nil {
		t.Fatal(err)
	}
	df := sess.CreateDataFrame(schema, []arrow.RecordBatch{rec})
	rec.Release()

	fahrenheit := udf.Func1("fahrenheit", func(c float64) float64 { return c*9/5 + 32 })
	label := udf.Func2("label", func(city string, f float64) string { return fmt.Sprintf("%s %.0f°F", city, f) })
	hot := udf.Func1("hot", func(f float64) bool { return f > 80 })
	out := df.WithColumn("f", fahrenheit.Call("celsius")).
		WithColumn("label", label.Call("city", frame.Col("f"))).
		Filter(frame.Col("f").IsNull().Or(hot.Call("f")).Not())
	got, err := out.Select("label").ShowString(ctx, 10, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := `+---------+
|    label|
+---------+
|Oslo 23°F|
|     NULL|
+---------+
`
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}

	// A struct result is one struct column.
	type split struct {
		Whole int64   `arrow:"whole"`
		Frac  float64 `arrow:"frac"`
	}
	parts := udf.Func1("parts", func(v float64) split {
		w, f := math.Modf(v)
		return split{int64(w), f}
	})
	tbl, err := df.WithColumn("p", parts.Call(frame.Col("celsius").Div(2))).Select("p").Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if s := tbl.Schema().Field(0); s.Name != "p" || s.Type.ID() != arrow.STRUCT || tbl.NumRows() != 4 {
		t.Fatalf("schema %s, %d rows", tbl.Schema(), tbl.NumRows())
	}
	col := tbl.Column(0).Data().Chunks()
	var cells []string
	for _, c := range col {
		for i := range c.Len() {
			cells = append(cells, c.ValueStr(i))
		}
	}
	if s := strings.Join(cells, " "); s != `{"frac":-0.5,"whole":-2} (null) {"frac":0.5,"whole":17} {"frac":0,"whole":10}` {
		t.Fatalf("cells = %s", s)
	}

	// A wrong argument type fails when the column is added.
	bad := df.WithColumn("f", fahrenheit.Call("n"))
	if err := bad.Err(); !errors.Is(err, plan.ErrType) || !strings.Contains(err.Error(), `udf "fahrenheit": argument 1 is int64, want float64 (cast it with .Cast)`) {
		t.Fatalf("err = %v", err)
	}
	if _, err := df.WithColumn("f", fahrenheit.Call(frame.Col("n").Cast(f64))).Count(ctx); err != nil {
		t.Fatal(err)
	}

	// A failing row fails the job, naming the UDF, the row and the
	// partition.
	checked := udf.Func1E("checked", func(n int64) (int64, error) {
		if n < 0 {
			return 0, errNegative
		}
		return n, nil
	})
	_, err = df.WithColumn("c", checked.Call("n")).Collect(ctx)
	var rowErr *udf.RowError
	if !errors.Is(err, errNegative) || !errors.As(err, &rowErr) ||
		!strings.Contains(err.Error(), `function checked in partition 0: udf "checked": row 0 of the batch (-3): negative`) {
		t.Fatalf("err = %v", err)
	}
}

// benchRows is the batch the benchmarks run over.
const benchRows = 64 << 10

func benchInput(b *testing.B, mem memory.Allocator) arrow.Array {
	bld := array.NewFloat64Builder(mem)
	defer bld.Release()
	for i := range benchRows {
		if i%100 == 99 {
			bld.AppendNull()
			continue
		}
		bld.Append(float64(i))
	}
	return bld.NewArray()
}

func benchScalar(b *testing.B, s *udf.Scalar) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	in := benchInput(b, mem)
	defer in.Release()
	ctx := compute.WithAllocator(context.Background(), mem)
	args := []arrow.Array{in}
	for b.Loop() {
		out, err := s.Invoke(ctx, args, benchRows)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
}

func toFahrenheit(c float64) float64 { return c*9/5 + 32 }

// BenchmarkFunc1 is a typed float64 → float64 UDF over 64k rows, 1% NULL.
func BenchmarkFunc1(b *testing.B) {
	benchScalar(b, udf.Func1("fahrenheit", toFahrenheit))
}

// BenchmarkFunc1E is BenchmarkFunc1 for a function that can fail.
func BenchmarkFunc1E(b *testing.B) {
	benchScalar(b, udf.Func1E("fahrenheit", func(c float64) (float64, error) { return toFahrenheit(c), nil }))
}

// BenchmarkHandWritten is the loop a user would write with NewScalar and a
// builder, for comparison with BenchmarkFunc1.
func BenchmarkHandWritten(b *testing.B) {
	benchScalar(b, udf.NewScalar("fahrenheit", f64, func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		in := args[0].(*array.Float64)
		out := array.NewFloat64Builder(compute.GetAllocator(ctx))
		defer out.Release()
		out.Reserve(rows)
		for i := range rows {
			if in.IsNull(i) {
				out.AppendNull()
				continue
			}
			out.Append(toFahrenheit(in.Value(i)))
		}
		return out.NewArray(), nil
	}, f64))
}

// BenchmarkFunc1String is a typed string → int64 UDF (the builder path
// for arguments, in place for the result).
func BenchmarkFunc1String(b *testing.B) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	bld := array.NewStringBuilder(mem)
	for i := range benchRows {
		bld.Append(strconv.Itoa(i))
	}
	in := bld.NewArray()
	bld.Release()
	defer in.Release()
	s := udf.Func1("len", func(s string) int64 { return int64(len(s)) })
	ctx := compute.WithAllocator(context.Background(), mem)
	for b.Loop() {
		out, err := s.Invoke(ctx, []arrow.Array{in}, benchRows)
		if err != nil {
			b.Fatal(err)
		}
		out.Release()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/benchRows, "ns/row")
}
