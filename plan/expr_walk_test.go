package plan

import (
	"slices"
	"testing"
)

func TestWalkAndTransform(t *testing.T) {
	e := NewBinary(OpAnd,
		NewBinary(OpGt, Col("a"), Lit(1)),
		NewUnary(OpNot, NewBinary(OpEq, Col("b"), Col("a"))))
	var visited []string
	Walk(e, func(x Expr) bool {
		visited = append(visited, x.String())
		_, isUnary := x.(*Unary)
		return !isUnary // do not descend below NOT
	})
	want := []string{"((a > 1) AND (NOT (b = a)))", "(a > 1)", "a", "1", "(NOT (b = a))"}
	if !slices.Equal(visited, want) {
		t.Fatalf("Walk visited %q, want %q", visited, want)
	}
	renamed := Transform(e, func(x Expr) Expr {
		if c, ok := x.(*Column); ok {
			return Col(c.Name + "2")
		}
		return x
	})
	if got := renamed.String(); got != "((a2 > 1) AND (NOT (b2 = a2)))" {
		t.Fatalf("Transform gave %s", got)
	}
	if e.String() != "((a > 1) AND (NOT (b = a)))" {
		t.Fatalf("Transform changed its input: %s", e)
	}
}

func TestReferencedColumns(t *testing.T) {
	got := ReferencedColumns(
		NewBinary(OpAdd, Col("b"), Col("a")),
		&Alias{Child: Col("b"), Name: "x"},
		&CaseWhen{Branches: []When{{Cond: Col("c"), Value: Lit(1)}}, Else: Col("a")},
		Lit(3),
	)
	if want := []string{"b", "a", "c"}; !slices.Equal(got, want) {
		t.Fatalf("ReferencedColumns = %q, want %q", got, want)
	}
	if got := ReferencedColumns(Lit(1), &MonotonicID{}); got != nil {
		t.Fatalf("ReferencedColumns without columns = %q", got)
	}
}

func TestIsCheap(t *testing.T) {
	cases := []struct {
		expr Expr
		want bool
	}{
		{Col("a"), true},
		{NewBinary(OpAdd, Col("a"), Lit(1)), true},
		{&CaseWhen{Branches: []When{{Cond: Col("b"), Value: &Concat{Args: []Expr{Col("s")}}}}}, true},
		{&Call{Fn: testFunc{}, Args: []Expr{Col("a")}}, false},
		{NewBinary(OpAdd, Lit(1), &Call{Fn: testFunc{}}), false},
		{&MonotonicID{}, false},
		{&Alias{Child: NewBinary(OpAdd, &MonotonicID{}, Lit(1)), Name: "x"}, false},
	}
	for _, c := range cases {
		if got := IsCheap(c.expr); got != c.want {
			t.Errorf("IsCheap(%s) = %v, want %v", c.expr, got, c.want)
		}
	}
}
