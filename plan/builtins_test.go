package plan_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

func TestFunctionRegistry(t *testing.T) {
	names := plan.FunctionNames()
	if !slices.IsSorted(names) {
		t.Errorf("FunctionNames is not sorted: %v", names)
	}
	for _, want := range []string{"concat", "upper", "lower", "length", "monotonically_increasing_id", "coalesce", "nvl", "nullif"} {
		if !slices.Contains(names, want) {
			t.Errorf("FunctionNames lacks %s", want)
		}
	}
	b, ok := plan.LookupFunction("UpPeR")
	if !ok {
		t.Fatal("LookupFunction is not case-insensitive")
	}
	e, err := b(plan.Col("s"))
	if err != nil || e.String() != "upper(s)" {
		t.Errorf("upper(s) built %v, %v", e, err)
	}
	if _, err := b(); !errors.Is(err, plan.ErrType) || !strings.Contains(err.Error(), "upper") {
		t.Errorf("upper() error %v, want a type error naming upper", err)
	}
	if _, ok := plan.LookupFunction("no_such_function"); ok {
		t.Error("LookupFunction found no_such_function")
	}
	_, err = plan.CallFunction("no_such_function")
	if err == nil || !strings.Contains(err.Error(), "coalesce") {
		t.Errorf("CallFunction(unknown) error %v, want one listing the functions", err)
	}
}

func TestRegisterFunctionPanicsOnDuplicate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering CONCAT again did not panic")
		}
	}()
	plan.RegisterFunction("CONCAT", func(...plan.Expr) (plan.Expr, error) { return nil, nil })
}

func TestBuiltinArity(t *testing.T) {
	if _, err := plan.NewBuiltin("coalesce"); !errors.Is(err, plan.ErrType) || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("coalesce() error %v", err)
	}
	if _, err := plan.NewBuiltin("nope", plan.Col("x")); err == nil || !strings.Contains(err.Error(), "functions:") {
		t.Errorf("unknown builtin error %v, want one listing the functions", err)
	}
}

// TestBuiltinsRoundTrip checks that calls of built-in functions travel:
// Marshal writes each as its name and arguments, and Unmarshal rebuilds
// the same resolved plan.
func TestBuiltinsRoundTrip(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "f", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Nanosecond}, Nullable: true},
	}, nil)
	scan := &plan.Scan{Source: &fileSource{Path: "/data/in", Fields: plan.EncodeSchema(schema)}}
	col, lit := plan.Col, plan.Lit
	fn := func(name string, args ...plan.Expr) plan.Expr { return must(plan.CallFunction(name, args...)) }
	exprs := []plan.Expr{
		fn("substring", col("s"), lit(2), col("i")),
		fn("split", col("s"), lit(","), lit(2)),
		fn("like", col("s"), lit("a!%"), lit("!")),
		fn("format_string", lit("%s-%d"), col("s"), col("i")),
		fn("round", col("f"), lit(1)),
		fn("floor", col("i")),
		fn("greatest", col("i"), col("f"), lit(2)),
		fn("nvl", col("s"), lit("x")),
		fn("nullif", col("i"), lit(0)),
		fn("between", col("d"), lit("2024-01-01"), lit(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))),
		fn("in", col("ts"), lit("2024-01-01 10:00:00"), col("d")),
		fn("date_format", col("ts"), lit("yyyy-MM-dd HH:mm")),
		fn("to_date", col("s"), lit("dd/MM/yyyy")),
		fn("year", col("s")),
		fn("date_trunc", lit("hour"), col("d")),
		fn("current_date"),
		fn("element_at", fn("array", col("i"), lit(1)), lit(-1)),
		fn("array_contains", fn("split", col("s"), lit(" ")), lit("a")),
		&plan.Cast{Child: col("s"), To: arrow.FixedWidthTypes.Date32},
		plan.NewBinary(plan.OpLt, col("ts"), col("s")),
	}
	for i, e := range exprs {
		exprs[i] = &plan.Alias{Child: e, Name: fmt.Sprintf("e%d", i)}
	}
	p := must(plan.NewProject(scan, exprs...))
	data, err := plan.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	if got, want := plan.Explain(back), plan.Explain(p); got != want {
		t.Fatalf("decoded\n%s\nwant\n%s", got, want)
	}
	if !back.Schema().Equal(p.Schema()) {
		t.Fatalf("schema %s, want %s", back.Schema(), p.Schema())
	}
}

func TestTemporalCoercion(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "ts", Type: plan.TimestampType, Nullable: true},
	}, nil)
	for _, c := range []struct {
		expr plan.Expr
		want string
	}{
		{plan.NewBinary(plan.OpEq, plan.Col("d"), plan.Lit("2024-01-05")), "(d = 19727)"},
		{plan.NewBinary(plan.OpGt, plan.Col("d"), plan.Lit("not a date")), "(d > NULL)"},
		{plan.NewBinary(plan.OpLt, plan.Col("d"), plan.Lit(time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC))), "(to_timestamp(d) < 1704412800000000)"},
		{plan.NewBinary(plan.OpGe, plan.Col("ts"), plan.Lit("2024-01-05 01:00:00+01:00")), "(ts >= 1704412800000000)"},
	} {
		r, err := c.expr.Resolve(schema)
		if err != nil {
			t.Errorf("%s: %v", c.expr, err)
			continue
		}
		if r.String() != c.want {
			t.Errorf("%s resolved to %s, want %s", c.expr, r, c.want)
		}
	}
}

func TestParseDateAndTimestamp(t *testing.T) {
	for _, c := range []struct {
		in   string
		date string // "" when it does not parse
	}{
		{"2024-01-05", "2024-01-05"}, {" 2024-1-5 ", "2024-01-05"}, {"2024", "2024-01-01"}, {"2024-02", "2024-02-01"},
		{"2024-01-05T10:00:00", "2024-01-05"}, {"2024-01-05 anything", "2024-01-05"},
		{"2023-02-29", ""}, {"24-01-05", ""}, {"2024/01/05", ""}, {"", ""}, {"2024-13-01", ""},
	} {
		d, ok := plan.ParseDate(c.in)
		got := ""
		if ok {
			got = arrow.Date32(d).FormattedString()
		}
		if got != c.date {
			t.Errorf("ParseDate(%q) = %q, want %q", c.in, got, c.date)
		}
	}
	for _, c := range []struct {
		in   string
		want string
	}{
		{"2024-01-05 10:11:12.123456789", "2024-01-05T10:11:12.123456Z"},
		{"2024-01-05T10:11", "2024-01-05T10:11:00Z"},
		{"2024-01-05 10:11:12Z", "2024-01-05T10:11:12Z"},
		{"2024-01-05 10:11:12+02:00", "2024-01-05T08:11:12Z"},
		{"2024-01-05 10:11:12 UTC", "2024-01-05T10:11:12Z"},
		{"2024-01-05 10:11:12 Europe/Paris", "2024-01-05T09:11:12Z"},
		{"2024-01-05 25:00:00", ""},
		{"2024-01-05 10", ""},
	} {
		v, ok := plan.ParseTimestamp(c.in)
		got := ""
		if ok {
			got = time.UnixMicro(v).UTC().Format(time.RFC3339Nano)
		}
		if got != c.want {
			t.Errorf("ParseTimestamp(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDatetimePattern(t *testing.T) {
	ts := time.Date(2024, 3, 9, 17, 4, 5, 120_000_000, time.UTC)
	for _, c := range []struct{ pattern, want string }{
		{"yyyy-MM-dd HH:mm:ss.SSS", "2024-03-09 17:04:05.120"},
		{"EEE, d MMM yy", "Sat, 9 Mar 24"},
		{"EEEE MMMM D", "Saturday March 69"},
		{"h:mm a", "5:04 PM"},
		{"'week' Q 'of' yyyy''", "week 1 of 2024'"},
		{"yyyyMMddHHmmss", "20240309170405"},
	} {
		p, err := plan.CompileDatetimePattern(c.pattern)
		if err != nil {
			t.Fatal(err)
		}
		if got := string(p.Append(nil, ts)); got != c.want {
			t.Errorf("%q formats %q, want %q", c.pattern, got, c.want)
		}
		back, ok := p.Parse(c.want)
		if !ok {
			t.Errorf("%q does not parse %q back", c.pattern, c.want)
		} else if c.pattern == "yyyyMMddHHmmss" && !back.Equal(ts.Truncate(time.Second)) {
			t.Errorf("%q parsed %q as %s", c.pattern, c.want, back)
		}
	}
	if _, err := plan.CompileDatetimePattern("YYYY-ww"); err == nil || !strings.Contains(err.Error(), "unsupported pattern letter") {
		t.Errorf("week-based pattern: error %v", err)
	}
	p, _ := plan.CompileDatetimePattern("yyyy-MM-dd")
	for _, bad := range []string{"2024-1-05", "2024-02-30", "2024-01-05x"} {
		if _, ok := p.Parse(bad); ok {
			t.Errorf("yyyy-MM-dd parsed %q", bad)
		}
	}
}
