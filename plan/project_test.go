package plan

import (
	"errors"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

func TestNewProject(t *testing.T) {
	scan := testScan(t)
	p := mustBuild(NewProject(scan,
		Col("a"),
		&Alias{Child: Col("b"), Name: "renamed"},
		NewBinary(OpAdd, Col("b"), Lit(1)),
		&Alias{Child: Lit("x"), Name: "k"},
	))
	want := arrow.NewSchema([]arrow.Field{
		// A column reference keeps its input field, nullability included.
		{Name: "a", Type: arrow.PrimitiveTypes.Int64},
		// Anything computed (an alias too) is nullable.
		{Name: "renamed", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "(b + 1)", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	if !p.Schema().Equal(want) {
		t.Fatalf("schema %s, want %s", p.Schema(), want)
	}
	if got := p.String(); got != `Project [a, b AS renamed, (b + 1), "x" AS k]` {
		t.Fatalf("String() = %s", got)
	}
	if p.Children()[0] != scan {
		t.Fatal("Children() is not the input")
	}
}

func TestNewProjectErrors(t *testing.T) {
	scan := testScan(t)
	cases := []struct {
		name     string
		exprs    []Expr
		sentinel error  // wrapped, when not nil
		contains string // in the message
	}{
		{"duplicate-column", []Expr{Col("a"), Col("a")}, nil, `duplicate column name "a"`},
		{"duplicate-alias", []Expr{Col("a"), &Alias{Child: Col("b"), Name: "a"}}, nil, `duplicate column name "a"`},
		{"duplicate-expression", []Expr{NewBinary(OpAdd, Col("a"), Lit(1)), NewBinary(OpAdd, Col("a"), Lit(1))}, nil, "duplicate column name"},
		{"missing", []Expr{Col("a"), Col("zz")}, ErrColumnNotFound, "columns: a, b, s"},
		{"type", []Expr{NewBinary(OpAdd, Col("s"), Col("a"))}, ErrType, "(s + a)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := NewProject(scan, c.exprs...)
			if err == nil {
				t.Fatal("NewProject succeeded")
			}
			if c.sentinel != nil && !errors.Is(err, c.sentinel) {
				t.Errorf("error %v does not wrap %v", err, c.sentinel)
			}
			if !strings.Contains(err.Error(), c.contains) {
				t.Errorf("error %q does not mention %q", err, c.contains)
			}
		})
	}
}

func TestNewProjectNoColumns(t *testing.T) {
	p := mustBuild(NewProject(testScan(t)))
	if p.Schema().NumFields() != 0 || p.String() != "Project []" {
		t.Fatalf("empty projection: %s, %s", p, p.Schema())
	}
}

func TestNewFilter(t *testing.T) {
	scan := testScan(t)
	f := mustBuild(NewFilter(scan, NewBinary(OpAnd, NewBinary(OpGt, Col("b"), Lit(1)), NewUnary(OpIsNotNull, Col("s")))))
	if got := f.String(); got != "Filter ((b > 1) AND isnotnull(s))" {
		t.Fatalf("String() = %s", got)
	}
	if f.Schema() != scan.Schema() {
		t.Fatal("a filter changes the schema")
	}
	if _, err := NewFilter(scan, Col("a")); !errors.Is(err, ErrType) {
		t.Fatalf("filter on an int64 column: %v", err)
	}
	if _, err := NewFilter(scan, NewBinary(OpGt, Col("zz"), Lit(1))); !errors.Is(err, ErrColumnNotFound) {
		t.Fatalf("filter on a missing column: %v", err)
	}
	// A NULL literal is not a boolean column.
	if _, err := NewFilter(scan, Lit(nil)); !errors.Is(err, ErrType) {
		t.Fatalf("filter on NULL: %v", err)
	}
}

func TestNewSortAndRepartition(t *testing.T) {
	scan := testScan(t)
	if _, err := NewSort(scan, SortOrder{Expr: Col("zz")}); !errors.Is(err, ErrColumnNotFound) {
		t.Errorf("sort by a missing column: %v", err)
	}
	list := &Scan{Source: mustBuild(NewMemorySource(arrow.NewSchema([]arrow.Field{{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int8)}}, nil), nil))}
	if _, err := NewSort(list, SortOrder{Expr: Col("l")}); !errors.Is(err, ErrType) {
		t.Errorf("sort by a list: %v", err)
	}
	s := mustBuild(NewSort(scan, SortOrder{Expr: NewBinary(OpMul, Col("b"), Lit(2)), Descending: true}))
	if got := s.String(); got != "Sort [(b * 2) DESC NULLS LAST]" {
		t.Errorf("String() = %s", got)
	}
	for _, n := range []int{0, -1} {
		if _, err := NewRepartition(scan, n); err == nil {
			t.Errorf("NewRepartition(%d) succeeded", n)
		}
	}
	if _, err := NewRepartition(scan, 3, Col("zz")); !errors.Is(err, ErrColumnNotFound) {
		t.Errorf("repartition by a missing column: %v", err)
	}
}
