package plan

import (
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestNewUnion(t *testing.T) {
	scan := testScan(t)
	left := mustBuild(NewProject(scan, Col("a"), Col("b")))                                                      // a int64 non-null, b int32
	right := mustBuild(NewProject(scan, &Alias{Child: Col("b"), Name: "x"}, &Alias{Child: Lit(nil), Name: "y"})) // x int32, y null
	floats := mustBuild(NewProject(scan, &Alias{Child: Lit(1.5), Name: "f"}, &Alias{Child: Lit(2), Name: "g"}))  // float64, int64
	strs := mustBuild(NewProject(scan, Col("s"), Col("b")))                                                      // string, int32
	three := mustBuild(NewProject(scan, Col("a"), Col("b"), Col("s")))                                           // width 3
	u := mustBuild(NewUnion(left, right, floats))
	want := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
		{Name: "b", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	if !u.Schema().Equal(want) {
		t.Fatalf("union schema %s, want %s", u.Schema(), want)
	}
	if _, err := NewUnion(left, three); !errors.Is(err, ErrType) {
		t.Errorf("union of 2 and 3 columns: %v", err)
	}
	if _, err := NewUnion(left, strs); !errors.Is(err, ErrType) {
		t.Errorf("union of int64 and string: %v", err)
	}
	single := mustBuild(NewUnion(left))
	if !single.Schema().Equal(left.Schema()) {
		t.Errorf("union of one input: %s", single.Schema())
	}
}
