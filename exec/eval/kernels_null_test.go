package eval

import (
	"slices"
	"testing"

	"github.com/ember-df/ember/plan"
)

// call builds a registered function's call, failing the test on error.
func call(t *testing.T, name string, args ...plan.Expr) plan.Expr {
	t.Helper()
	e, err := plan.CallFunction(name, args...)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestNullFunctions(t *testing.T) {
	col, lit := plan.Col, plan.Lit
	cases := []struct {
		expr plan.Expr
		want []string
	}{
		{call(t, "coalesce", col("i")), []string{"7", "-7", "NULL", "0"}},
		{call(t, "coalesce", col("g"), col("f")), []string{"1.5", "0.0", "-1.0", "-2.0"}},
		{call(t, "coalesce", col("j"), col("i"), lit(9)), []string{"2", "0", "3", "0"}},
		{call(t, "coalesce", col("s"), lit("none")), []string{"Abc", "", "none", "é"}},
		{call(t, "coalesce", lit(nil), col("s")), []string{"Abc", "", "NULL", "é"}},
		{call(t, "nvl", col("j"), lit(-1)), []string{"2", "0", "3", "-1"}},
		{call(t, "ifnull", col("b"), lit(false)), []string{"true", "false", "false", "true"}},
		{call(t, "nullif", col("j"), lit(0)), []string{"2", "NULL", "3", "NULL"}},
		{call(t, "nullif", col("s"), lit("")), []string{"Abc", "NULL", "NULL", "é"}},
	}
	for _, c := range cases {
		t.Run(c.expr.String(), func(t *testing.T) {
			if got := evaluate(t, checkedAlloc(t), c.expr); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
