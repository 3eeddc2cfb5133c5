package frame_test

import (
	"context"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// A NULL literal is NULL: IS NULL is true and IS NOT NULL false on every
// row (arrow-go's null-typed arrays answer IsNull false, having no
// validity bitmap).
func TestNullLiteralIsNull(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	df := sess.Range(5).Select(frame.Lit(nil).IsNull().Alias("is_null"), frame.Lit(nil).IsNotNull().Alias("is_not_null"))
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	rows := 0
	for _, chunk := range tbl.Column(0).Data().Chunks() {
		for i := range chunk.Len() {
			if !chunk.(*array.Boolean).Value(i) {
				t.Fatalf("NULL IS NULL is false at row %d", rows+i)
			}
		}
		rows += chunk.Len()
	}
	for _, chunk := range tbl.Column(1).Data().Chunks() {
		for i := range chunk.Len() {
			if chunk.(*array.Boolean).Value(i) {
				t.Fatal("NULL IS NOT NULL is true")
			}
		}
	}
	if rows != 5 {
		t.Fatalf("%d rows, want 5", rows)
	}
}
