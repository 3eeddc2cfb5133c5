package jsonrows

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// The formatting of every writable type is tested through io/jsonio's
// writer (TestWrite there); these tests cover what only the package's
// other user, dead letters, relies on.

func encode(t *testing.T, s *arrow.Schema, rows string, o Options, fields bool) string {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	e := NewEncoder(s.Fields(), o)
	e.Reset(b.Columns())
	var out []byte
	for r := range int(b.NumRows()) {
		if fields {
			var wrote bool
			out, wrote = e.AppendFields(out, r)
			if wrote {
				out = append(out, '+')
			}
		} else {
			out = e.AppendObject(out, r)
		}
		out = append(out, '\n')
	}
	e.Reset(nil)
	return string(out)
}

func TestZeroOptions(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
	}, nil)
	got := encode(t, s, `[{"f": 1.5, "d": "2024-02-29", "t": "2024-01-02T03:04:05.5Z"}, {}]`, Options{}, false)
	want := `{"f":1.5,"d":"2024-02-29","t":"2024-01-02T03:04:05.5Z"}` + "\n" + `{"f":null,"d":null,"t":null}` + "\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}

func TestAppendFields(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true}}, nil)
	got := encode(t, s, `[{"a": 1}, {}]`, Options{IgnoreNullFields: true}, true)
	if want := `"a":1+` + "\n\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

// TestNotWritable: types that io/jsonio refuses are still written, as
// dead letters must never fail.
func TestNotWritable(t *testing.T) {
	m := arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "m", Type: m, Nullable: true},
		{Name: "t", Type: arrow.FixedWidthTypes.Time32s, Nullable: true},
	}, nil)
	for _, f := range s.Fields() {
		if err := Writable(f.Type); err == nil {
			t.Errorf("%s: writable", f.Type)
		}
	}
	got := encode(t, s, `[{"m": [{"key": "k", "value": 1}], "t": "01:02:03"}]`, Options{}, false)
	if want := `{"m":[{"key":"k","value":1}],"t":"01:02:03"}` + "\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
