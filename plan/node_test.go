package plan

import (
	"strings"
	"testing"
)

func TestExplain(t *testing.T) {
	scan := testScan(t)
	f := mustBuild(NewFilter(scan, NewBinary(OpGt, Col("a"), Lit(1))))
	p := mustBuild(NewProject(f, Col("s"), &Alias{Child: NewBinary(OpAdd, Col("b"), Lit(1)), Name: "c"}))
	other := mustBuild(NewProject(scan, Col("s"), Col("b")))
	u := mustBuild(NewUnion(p, other, p))
	root := &Limit{Input: u, N: 5}
	want := strings.Join([]string{
		"Limit 5",
		"+- Union 3 inputs",
		"   :- Project [s, (b + 1) AS c]",
		"   :  +- Filter (a > 1)",
		"   :     +- Scan memory [a, b, s], 1 partitions",
		"   :- Project [s, b]",
		"   :  +- Scan memory [a, b, s], 1 partitions",
		"   +- Project [s, (b + 1) AS c]",
		"      +- Filter (a > 1)",
		"         +- Scan memory [a, b, s], 1 partitions",
		"",
	}, "\n")
	if got := Explain(root); got != want {
		t.Fatalf("Explain:\n%s\nwant:\n%s", got, want)
	}
}

func TestFormatTree(t *testing.T) {
	type tree struct {
		name string
		kids []tree
	}
	root := tree{"root", []tree{
		{"a", []tree{{"a1", nil}, {"a2", []tree{{"a2x", nil}}}}},
		{"b", nil},
		{"c", []tree{{"c1", nil}}},
	}}
	got := FormatTree(root, func(n tree) []tree { return n.kids }, func(n tree) string { return n.name })
	want := "root\n" +
		":- a\n" +
		":  :- a1\n" +
		":  +- a2\n" +
		":     +- a2x\n" +
		":- b\n" +
		"+- c\n" +
		"   +- c1\n"
	if got != want {
		t.Fatalf("FormatTree:\n%s\nwant:\n%s", got, want)
	}
	if got := FormatTree(7, func(int) []int { return nil }, func(int) string { return "leaf" }); got != "leaf\n" {
		t.Fatalf("single node: %q", got)
	}
}

func TestFormatExprs(t *testing.T) {
	if got := FormatExprs(nil); got != "[]" {
		t.Fatalf("FormatExprs(nil) = %q", got)
	}
	if got := FormatExprs([]Expr{Col("a"), Lit("x")}); got != `[a, "x"]` {
		t.Fatalf("FormatExprs = %q", got)
	}
}

func TestNodeStrings(t *testing.T) {
	scan := testScan(t)
	cases := []struct {
		node Node
		want string
	}{
		{mustBuild(NewRepartition(scan, 4)), "Repartition 4, round-robin"},
		{mustBuild(NewRepartition(scan, 4, Col("s"), Col("a"))), "Repartition 4, hash [s, a]"},
		{&Coalesce{Input: scan, N: 2}, "Coalesce 2"},
		{&Limit{Input: scan, N: 0}, "Limit 0"},
		{&Distinct{Input: scan}, "Distinct"},
		{mustBuild(NewSort(scan, SortOrder{Expr: Col("a")}, SortOrder{Expr: Col("s"), Descending: true, NullsFirst: true})),
			"Sort [a ASC NULLS LAST, s DESC NULLS FIRST]"},
		{&MapBatches{Input: scan, Name: "fn", OutSchema: nodeSchema}, "MapBatches fn -> [a, b, s]"},
		{mustBuild(NewAggregate(scan, []Expr{Col("s")}, []AggExpr{{Func: AggCount}, {Func: AggSum, Arg: Col("b"), Name: "total"}})),
			"Aggregate keys=[s] aggs=[count(*) AS count, sum(b) AS total]"},
	}
	for _, c := range cases {
		if got := c.node.String(); got != c.want {
			t.Errorf("String() = %q, want %q", got, c.want)
		}
	}
}

// TestWithChildrenResolvesAgain: rebuilding a node over an input that lacks
// a column it needs fails instead of producing a broken plan.
func TestWithChildrenResolvesAgain(t *testing.T) {
	scan := testScan(t)
	narrow := mustBuild(NewProject(scan, Col("s")))
	nodes := []Node{
		mustBuild(NewProject(scan, Col("a"))),
		mustBuild(NewFilter(scan, NewBinary(OpGt, Col("a"), Lit(1)))),
		mustBuild(NewSort(scan, SortOrder{Expr: Col("b")})),
		mustBuild(NewRepartition(scan, 2, Col("a"))),
		mustBuild(NewAggregate(scan, nil, []AggExpr{{Func: AggMax, Arg: Col("b")}})),
	}
	for _, n := range nodes {
		if _, err := n.WithChildren([]Node{narrow}); err == nil {
			t.Errorf("%s: WithChildren over %s succeeded", n, narrow.Schema())
		}
		again, err := n.WithChildren([]Node{scan})
		if err != nil {
			t.Errorf("%s: WithChildren over the same input: %v", n, err)
			continue
		}
		if again.String() != n.String() || !again.Schema().Equal(n.Schema()) {
			t.Errorf("%s: rebuilt as %s with schema %s", n, again, again.Schema())
		}
	}
	// Nodes without expressions pass their input's schema through.
	for _, n := range []Node{&Limit{Input: scan, N: 1}, &Coalesce{Input: scan, N: 1}, &Distinct{Input: scan}} {
		out, err := n.WithChildren([]Node{narrow})
		if err != nil || !out.Schema().Equal(narrow.Schema()) {
			t.Errorf("%s over %s: %v, schema %s", n, narrow.Schema(), err, out.Schema())
		}
	}
}
