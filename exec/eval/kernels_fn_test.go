package eval

import (
	"slices"
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestEveryBuiltinHasAKernel(t *testing.T) {
	for _, name := range plan.BuiltinNames() {
		if _, ok := builtinKernels[name]; !ok {
			t.Errorf("built-in %s has no kernel", name)
		}
	}
	for name := range builtinKernels {
		if !slices.Contains(plan.BuiltinNames(), name) {
			t.Errorf("kernel %s has no plan definition", name)
		}
	}
}

func TestMathDateArrayFunctions(t *testing.T) {
	col, lit := plan.Col, plan.Lit
	// i 7,-7,NULL,0; j 2,0,3,NULL; f 7.5,0,-1,NULL; g 1.5,0,NULL,-2; s "Abc","",NULL,"é".
	cases := []struct {
		expr plan.Expr
		want []string
	}{
		{call(t, "round", col("f")), []string{"8.0", "0.0", "-1.0", "NULL"}},
		{call(t, "round", lit(2.675), lit(2)), []string{"2.68", "2.68", "2.68", "2.68"}},
		{call(t, "round", col("i"), lit(-1)), []string{"10", "-10", "NULL", "0"}},
		{call(t, "round", col("g")), []string{"2.0", "0.0", "NULL", "-2.0"}},
		{call(t, "floor", col("f")), []string{"7", "0", "-1", "NULL"}},
		{call(t, "ceil", col("g")), []string{"2", "0", "NULL", "-2"}},
		{call(t, "abs", col("i")), []string{"7", "7", "NULL", "0"}},
		{call(t, "sqrt", col("j")), []string{"1.4142135623730951", "0.0", "1.7320508075688772", "NULL"}},
		{call(t, "log", col("f")), []string{"2.0149030205422647", "NULL", "NULL", "NULL"}},
		{call(t, "log", lit(2), col("j")), []string{"1.0", "NULL", "1.584962500721156", "NULL"}}, // ln(3)/ln(2), as Spark computes it
		{call(t, "pow", col("j"), lit(3)), []string{"8.0", "0.0", "27.0", "NULL"}},
		{call(t, "greatest", col("i"), col("j"), lit(1)), []string{"7", "1", "3", "1"}},
		{call(t, "least", col("f"), col("g")), []string{"1.5", "0.0", "-1.0", "-2.0"}},
		{call(t, "least", col("s"), lit("B")), []string{"Abc", "", "B", "B"}},
		{call(t, "in", col("i"), lit(7), lit(0)), []string{"true", "false", "NULL", "true"}},
		{call(t, "in", col("i"), lit(7), lit(nil)), []string{"true", "NULL", "NULL", "NULL"}},
		{call(t, "between", col("j"), lit(1), lit(2)), []string{"true", "false", "false", "NULL"}},
		{call(t, "year", lit("2024-02-29")), []string{"2024", "2024", "2024", "2024"}},
		{call(t, "to_date", lit("2024-02-30")), []string{"NULL", "NULL", "NULL", "NULL"}},
		{call(t, "to_date", lit("05/01/2024"), lit("dd/MM/yyyy")), []string{"2024-01-05", "2024-01-05", "2024-01-05", "2024-01-05"}},
		{call(t, "date_format", lit("2024-01-05 13:04:05.123"), lit("EEE, d MMM yyyy hh:mm:ss.SSS a")),
			[]string{"Fri, 5 Jan 2024 01:04:05.123 PM", "Fri, 5 Jan 2024 01:04:05.123 PM", "Fri, 5 Jan 2024 01:04:05.123 PM", "Fri, 5 Jan 2024 01:04:05.123 PM"}},
		{call(t, "hour", lit("2024-01-05T13:04:05+02:00")), []string{"11", "11", "11", "11"}},
		{call(t, "date_add", lit("2024-02-28"), col("j")), []string{"2024-03-01", "2024-02-28", "2024-03-02", "NULL"}},
		{call(t, "datediff", lit("2024-03-01"), lit("2024-02-01")), []string{"29", "29", "29", "29"}},
		{call(t, "date_trunc", lit("month"), lit("2024-02-15 10:00:00")), []string{"2024-02-01 00:00:00", "2024-02-01 00:00:00", "2024-02-01 00:00:00", "2024-02-01 00:00:00"}},
		{call(t, "size", call(t, "array", col("i"), col("j"))), []string{"2", "2", "2", "2"}},
		{call(t, "element_at", call(t, "array", col("i"), col("j")), lit(-1)), []string{"2", "0", "3", "NULL"}},
		{call(t, "element_at", call(t, "array", col("i")), lit(5)), []string{"NULL", "NULL", "NULL", "NULL"}},
		{call(t, "array_contains", call(t, "array", col("i"), col("j")), lit(7)), []string{"true", "false", "NULL", "NULL"}},
		{call(t, "array_contains", call(t, "array", col("i"), col("j")), lit(0)), []string{"false", "true", "NULL", "true"}},
	}
	for _, c := range cases {
		t.Run(c.expr.String(), func(t *testing.T) {
			if got := evaluate(t, checkedAlloc(t), c.expr); !slices.Equal(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
