package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestOutputName(t *testing.T) {
	cases := []struct {
		expr Expr
		want string
	}{
		{Col("a"), "a"},
		{&Alias{Child: NewBinary(OpAdd, Col("a"), Lit(1)), Name: "x"}, "x"},
		{&Alias{Child: &Alias{Child: Col("a"), Name: "inner"}, Name: "outer"}, "outer"},
		{NewBinary(OpAdd, Col("a"), Lit(1)), "(a + 1)"},
		{NewUnary(OpUpper, Col("s")), "upper(s)"},
		{Lit(1), "1"},
		{Lit(1.5), "1.5"},
		{&Cast{Child: Col("a"), To: arrow.BinaryTypes.String}, "CAST(a AS utf8)"},
		{&MonotonicID{}, "monotonically_increasing_id()"},
		{&Call{Fn: testFunc{}, Args: []Expr{Col("a"), Col("b")}}, "model(a, b)"},
		{&Concat{Args: []Expr{Col("a"), Lit("-")}}, `concat(a, "-")`},
	}
	for _, c := range cases {
		if got := OutputName(c.expr); got != c.want {
			t.Errorf("OutputName(%#v) = %q, want %q", c.expr, got, c.want)
		}
	}
}

func TestField(t *testing.T) {
	r := mustResolve(t, &Alias{Child: NewBinary(OpAdd, Col("i32"), Lit(1)), Name: "x"}, exprSchema)
	f := Field(r)
	if f.Name != "x" || !arrow.TypeEqual(f.Type, arrow.PrimitiveTypes.Int32) || !f.Nullable {
		t.Fatalf("Field = %v", f)
	}
}

func TestUnalias(t *testing.T) {
	c := Col("a")
	if got := Unalias(&Alias{Child: &Alias{Child: c, Name: "x"}, Name: "y"}); got != c {
		t.Fatalf("Unalias = %s", got)
	}
	if got := Unalias(c); got != c {
		t.Fatalf("Unalias(column) = %s", got)
	}
}

func TestResolveErrors(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "b", Type: arrow.BinaryTypes.String},
	}, nil)
	cases := []struct {
		name     string
		expr     Expr
		sentinel error
		contains []string
	}{
		{"missing-column", Col("nope"), ErrColumnNotFound, []string{`"nope"`, "columns: a, b", "plan:"}},
		{"missing-in-alias", &Alias{Child: Col("c"), Name: "x"}, ErrColumnNotFound, []string{`"c"`, "columns: a, b"}},
		{"missing-in-case", &CaseWhen{Branches: []When{{Cond: Col("z"), Value: Lit(1)}}}, ErrColumnNotFound, []string{`"z"`}},
		{"missing-in-call", &Call{Fn: testFunc{}, Args: []Expr{Col("q")}}, ErrColumnNotFound, []string{`"q"`}},
		{"missing-in-concat", &Concat{Args: []Expr{Col("b"), Col("q")}}, ErrColumnNotFound, []string{`"q"`}},
		{"binary-mismatch", NewBinary(OpAdd, Col("a"), Col("b")), ErrType, []string{"(a + b)", "int64", "utf8"}},
		{"unary-mismatch", NewUnary(OpNot, Col("a")), ErrType, []string{"NOT", "int64"}},
		{"cast-mismatch", &Cast{Child: Col("a"), To: arrow.ListOf(arrow.PrimitiveTypes.Int64)}, ErrType, []string{"cannot cast int64"}},
		{"case-condition", &CaseWhen{Branches: []When{{Cond: Col("a"), Value: Lit(1)}}}, ErrType, []string{"not boolean"}},
		{"concat-empty", &Concat{}, ErrType, []string{"concat"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := c.expr.Resolve(s)
			if !errors.Is(err, c.sentinel) {
				t.Fatalf("error %v, want one wrapping %v", err, c.sentinel)
			}
			for _, want := range c.contains {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestFieldIndex(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.PrimitiveTypes.Int64},
		{Name: "x", Type: arrow.BinaryTypes.String},
	}, nil)
	if i, err := FieldIndex(s, "a"); i != 0 || err != nil {
		t.Fatalf("FieldIndex(a) = %d, %v", i, err)
	}
	if _, err := FieldIndex(s, "x"); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Fatalf("FieldIndex(x) on two x columns: %v", err)
	}
	if _, err := Col("x").Resolve(s); err == nil {
		t.Fatal("resolving an ambiguous column succeeded")
	}
	_, err := FieldIndex(s, "A")
	if !errors.Is(err, ErrColumnNotFound) {
		t.Fatalf("FieldIndex is case-sensitive; A gave %v", err)
	}
}

func TestColumnResolveKeepsName(t *testing.T) {
	r := mustResolve(t, Col("f32"), exprSchema).(*Column)
	if r.Name != "f32" || r.Type().ID() != arrow.FLOAT32 {
		t.Fatalf("resolved column = %s of %s", r.Name, r.Type())
	}
	if Col("f32").Type() != nil {
		t.Fatal("an unresolved column has a type")
	}
}
