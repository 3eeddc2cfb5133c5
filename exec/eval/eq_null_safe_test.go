package eval

import (
	"slices"
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestEqNullSafe(t *testing.T) {
	mem := checkedAlloc(t)
	for _, c := range []struct {
		expr plan.Expr
		want []string
	}{
		// i is 7, -7, NULL, 0; j is 2, 0, 3, NULL.
		{plan.NewBinary(plan.OpEqNullSafe, plan.Col("i"), plan.Col("i")), []string{"true", "true", "true", "true"}},
		{plan.NewBinary(plan.OpEqNullSafe, plan.Col("i"), plan.Col("j")), []string{"false", "false", "false", "false"}},
		{plan.NewBinary(plan.OpEqNullSafe, plan.Col("i"), plan.Lit(nil)), []string{"false", "false", "true", "false"}},
		{plan.NewBinary(plan.OpEqNullSafe, plan.Col("s"), plan.Lit("Abc")), []string{"true", "false", "false", "false"}},
		// = gives NULL where <=> gives a boolean.
		{plan.NewBinary(plan.OpEq, plan.Col("i"), plan.Lit(nil)), []string{"NULL", "NULL", "NULL", "NULL"}},
	} {
		if got := evaluate(t, mem, c.expr); !slices.Equal(got, c.want) {
			t.Errorf("%s = %v, want %v", c.expr, got, c.want)
		}
	}
}
