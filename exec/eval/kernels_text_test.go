package eval

import (
	"slices"
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestStringFunctions(t *testing.T) {
	col, lit := plan.Col, plan.Lit
	// s is "Abc", "", NULL, "é"; i is 7, -7, NULL, 0.
	cases := []struct {
		expr plan.Expr
		want []string
	}{
		{call(t, "like", col("s"), lit("A%")), []string{"true", "false", "NULL", "false"}},
		{call(t, "like", col("s"), lit("_")), []string{"false", "false", "NULL", "true"}},
		{call(t, "like", lit("a%b"), lit("a!%_"), lit("!")), []string{"true", "true", "true", "true"}},
		{call(t, "rlike", col("s"), lit("b.$")), []string{"true", "false", "NULL", "false"}},
		{call(t, "substring", col("s"), lit(2)), []string{"bc", "", "NULL", ""}},
		{call(t, "substring", col("s"), lit(-2), lit(1)), []string{"b", "", "NULL", ""}},
		{call(t, "substring", lit("Spark SQL"), lit(0), lit(3)), []string{"Spa", "Spa", "Spa", "Spa"}},
		{call(t, "substring", lit("abc"), lit(-5), lit(3)), []string{"a", "a", "a", "a"}},
		{call(t, "substr", lit("héllo"), col("i"), lit(2)), []string{"", "", "NULL", "hé"}},
		{call(t, "split", lit("a1b22c"), lit(`\d+`)), []string{`["a","b","c"]`, `["a","b","c"]`, `["a","b","c"]`, `["a","b","c"]`}},
		{call(t, "split", lit("a,b,,c,"), lit(","), lit(2)), []string{`["a","b,,c,"]`, `["a","b,,c,"]`, `["a","b,,c,"]`, `["a","b,,c,"]`}},
		{call(t, "trim", lit("  x y  ")), []string{"x y", "x y", "x y", "x y"}},
		{call(t, "ltrim", lit("xxaxx"), lit("x")), []string{"axx", "axx", "axx", "axx"}},
		{call(t, "rtrim", lit("\tx  ")), []string{"\tx", "\tx", "\tx", "\tx"}},
		{call(t, "lpad", col("s"), lit(5), lit("xy")), []string{"xyAbc", "xyxyx", "NULL", "xyxyé"}},
		{call(t, "rpad", col("s"), lit(2)), []string{"Ab", "  ", "NULL", "é "}},
		{call(t, "lpad", lit("abc"), lit(-1)), []string{"", "", "", ""}},
		{call(t, "regexp_extract", lit("100-200"), lit(`(\d+)-(\d+)`), lit(2)), []string{"200", "200", "200", "200"}},
		{call(t, "regexp_extract", col("s"), lit(`(x)?b`), lit(1)), []string{"", "", "NULL", ""}},
		{call(t, "regexp_replace", lit("100-200"), lit(`(\d+)`), lit("<$1>")), []string{"<100>-<200>", "<100>-<200>", "<100>-<200>", "<100>-<200>"}},
		{call(t, "regexp_replace", lit("aaa"), lit("a"), lit(`\$`), lit(2)), []string{"a$$", "a$$", "a$$", "a$$"}},
		{call(t, "replace", col("s"), lit("b"), lit("BB")), []string{"ABBc", "", "NULL", "é"}},
		{call(t, "replace", lit("abc"), lit("")), []string{"abc", "abc", "abc", "abc"}},
		{call(t, "concat_ws", lit("-"), col("s"), lit("z"), col("i")), []string{"Abc-z-7", "-z--7", "z", "é-z-0"}},
		{call(t, "concat_ws", lit("/"), call(t, "split", lit("a b"), lit(" ")), col("s")), []string{"a/b/Abc", "a/b/", "a/b", "a/b/é"}},
		{call(t, "format_string", lit("%s=%5.2f|%-4d|%x|%05d|%,d"), col("s"), col("f"), col("j"), col("i"), col("i"), lit(1234567)),
			[]string{"Abc= 7.50|2   |7|00007|1,234,567", "= 0.00|0   |fffffffffffffff9|-0007|1,234,567", "null=-1.00|3   |null| null|1,234,567", "é= null|null|0|00000|1,234,567"}},
		{call(t, "format_string", lit("%g %e %b %%"), lit(1.5), lit(12345.678), col("b")),
			[]string{"1.50000 1.234568e+04 true %", "1.50000 1.234568e+04 false %", "1.50000 1.234568e+04 false %", "1.50000 1.234568e+04 true %"}},
	}
	for _, c := range cases {
		t.Run(c.expr.String(), func(t *testing.T) {
			if got := evaluate(t, checkedAlloc(t), c.expr); !slices.Equal(got, c.want) {
				t.Errorf("got  %q\nwant %q", got, c.want)
			}
		})
	}
}
