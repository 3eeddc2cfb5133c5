package call

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestDeadLetterRows: failed rows are written as io/jsonio writes rows
// (Spark's value formats, in column order), with NULLs as null and the
// added fields last; an input column named as an added field gives way.
func TestDeadLetterRows(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
		{Name: "t", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, Nullable: true},
		{Name: "x", Type: &arrow.Decimal128Type{Precision: 5, Scale: 2}, Nullable: true},
		{Name: "st", Type: arrow.StructOf(arrow.Field{Name: "a", Type: arrow.BinaryTypes.String, Nullable: true}), Nullable: true},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
		{Name: "_error", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(`[
		{"f": 1, "d": "2024-02-29", "t": "2024-01-02T03:04:05.5Z", "x": "12.30", "st": {"a": "<q\"x"}, "l": [1, null], "_error": "earlier"},
		{"f": 2},
		{"st": {}, "l": []}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	dir := filepath.Join(t.TempDir(), "dead")
	d := newDeadLetters(dir, "predict[m]", "y", 3)
	if err := d.write(b, []int{0, 2}, []error{errors.New("bad"), errors.New("worse\n")}); err != nil {
		t.Fatal(err)
	}
	if err := d.commit(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(d.path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"f":1.0,"d":"2024-02-29","t":"2024-01-02T03:04:05.5Z","x":12.30,"st":{"a":"<q\"x"},"l":[1,null],"_error":"bad","_function":"predict[m]","_partition":3}` + "\n" +
		`{"f":null,"d":null,"t":null,"x":null,"st":{"a":null},"l":[],"_error":"worse\n","_function":"predict[m]","_partition":3}` + "\n"
	if string(data) != want {
		t.Fatalf("got\n%s\nwant\n%s", data, want)
	}
}
