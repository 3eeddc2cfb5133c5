package exec

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// TestCheapFirst: column-literal comparisons and NULL tests go first,
// column-column comparisons of fixed-width columns next, the rest last,
// each group in the order written.
func TestCheapFirst(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "mode", Type: arrow.BinaryTypes.String},
		{Name: "commit", Type: arrow.FixedWidthTypes.Date32},
		{Name: "receipt", Type: arrow.FixedWidthTypes.Date32},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	}, nil)
	resolve := func(e plan.Expr) plan.Expr { return exectest.Must(e.Resolve(s)) }
	terms := []plan.Expr{
		resolve(plan.NewBinary(plan.OpEq, plan.Col("mode"), plan.Lit("MAIL"))),
		resolve(plan.NewBinary(plan.OpLt, plan.Col("commit"), plan.Col("receipt"))),
		resolve(plan.NewBinary(plan.OpGe, plan.Col("receipt"), plan.Col("receipt"))),
		resolve(plan.NewBinary(plan.OpGt, plan.Col("n"), plan.Lit(2.5))), // n cast to float64
		resolve(plan.NewUnary(plan.OpIsNotNull, plan.Col("n"))),
		resolve(plan.NewBinary(plan.OpGt, plan.NewBinary(plan.OpDiv, plan.Lit(10), plan.Col("n")), plan.Lit(1))),
	}
	var got []string
	for _, e := range cheapFirst(terms) {
		got = append(got, e.String())
	}
	want := []string{terms[3].String(), terms[4].String(), terms[1].String(), terms[2].String(), terms[0].String(), terms[5].String()}
	if strings.Join(got, " | ") != strings.Join(want, " | ") {
		t.Fatalf("order\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
