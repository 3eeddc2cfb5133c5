package optimize

import (
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

var dateSchema = arrow.NewSchema([]arrow.Field{{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true}}, nil)

func dateScan() *plan.Scan {
	return &plan.Scan{Source: must(plan.NewMemorySource(dateSchema, [][]arrow.RecordBatch{nil}))}
}

// TestUnwrapDateCastsPlan: a date column compared with a time.Time literal
// is compared as a date, with no per-row conversion left in the filter.
func TestUnwrapDateCastsPlan(t *testing.T) {
	lit := plan.Lit(time.Date(1995, 3, 15, 0, 0, 0, 0, time.UTC))
	in := filter(dateScan(), plan.NewBinary(plan.OpAnd, plan.NewBinary(plan.OpLt, col("d"), lit), plan.NewBinary(plan.OpGe, lit, col("d"))))
	before := in.(*plan.Filter).Cond.String()
	if !strings.Contains(before, "to_timestamp") {
		t.Fatalf("resolution no longer converts the date (%s): the rule has nothing to do", before)
	}
	got := applyRule(unwrapDateCasts{}, in).(*plan.Filter).Cond.String()
	if strings.Contains(got, "to_timestamp") {
		t.Errorf("condition %s still converts the date", got)
	}
}

// TestUnwrapDateComparison checks the rewrite against the comparison it
// replaces, for days around midnights and instants between them, on both
// sides of 1970, every operator and both operand orders.
func TestUnwrapDateComparison(t *testing.T) {
	ops := []plan.BinaryOp{plan.OpLt, plan.OpLe, plan.OpGt, plan.OpGe, plan.OpEq}
	var instants []int64
	for _, day := range []int64{-3, -1, 0, 1, 9000} {
		for _, off := range []int64{0, 1, microsPerDay / 2, microsPerDay - 1} {
			instants = append(instants, day*microsPerDay+off)
		}
	}
	ts := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	for _, op := range ops {
		for _, micros := range instants {
			for _, litLeft := range []bool{false, true} {
				lit := plan.TypedLit(micros, ts)
				var e plan.Expr = plan.NewBinary(op, col("d"), lit)
				if litLeft {
					e = plan.NewBinary(op, lit, col("d"))
				}
				resolved := must(e.Resolve(dateSchema))
				out, ok := unwrapDateComparison(resolved, dateSchema)
				if !ok {
					if op == plan.OpEq && micros%microsPerDay != 0 {
						continue // left alone: never true
					}
					t.Fatalf("%s not rewritten", resolved)
				}
				b := out.(*plan.Binary)
				dayLit := plan.Unalias(b.Right).(*plan.Literal).Value.(int64)
				for d := int64(-5); d <= 9002; d++ {
					if d > 5 && d < 8995 {
						continue
					}
					want := compare(op, d*microsPerDay, micros)
					if litLeft {
						want = compare(op, micros, d*microsPerDay)
					}
					if got := compare(b.Op, d, dayLit); got != want {
						t.Fatalf("%s → %s: day %d gives %v, want %v", resolved, out, d, got, want)
					}
				}
			}
		}
	}
}

func compare(op plan.BinaryOp, a, b int64) bool {
	switch op {
	case plan.OpLt:
		return a < b
	case plan.OpLe:
		return a <= b
	case plan.OpGt:
		return a > b
	case plan.OpGe:
		return a >= b
	}
	return a == b
}
