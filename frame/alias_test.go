package frame_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
)

type aliasPerson struct {
	ID      int64  `ember:"id"`
	Name    string `ember:"name"`
	Manager *int64 `ember:"manager"`
}

func aliasPeople(sess *frame.Session) *frame.DataFrame {
	boss := func(id int64) *int64 { return &id }
	return sess.CreateDataFrame([]aliasPerson{
		{1, "ana", nil}, {2, "bia", boss(1)}, {3, "caio", boss(1)}, {4, "davi", boss(2)}, {5, "eva", boss(9)},
	})
}

// sortedAliasRows runs df and renders its rows sorted (canonicalRows).
func sortedAliasRows(t *testing.T, df *frame.DataFrame) []string {
	t.Helper()
	tbl, err := df.Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	rows := canonicalRows(tbl)
	slices.Sort(rows)
	return rows
}

// TestAliasSelfJoin joins a DataFrame with itself through two aliases
// and refers to each side's columns as a.x and b.x, in the condition, a
// filter and the select list, over several partitions and batches.
func TestAliasSelfJoin(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(2, 0))
	defer sess.Close()
	people := aliasPeople(sess)
	a, b := people.Alias("a"), people.Alias("b")

	j := a.Join(b, frame.Col("a.manager").Eq(frame.Col("b.id")), "left")
	got := sortedAliasRows(t, j.Select(frame.Col("a.name"), frame.Col("b.name").As("manager")))
	want := []string{`"ana" | NULL`, `"bia" | "ana"`, `"caio" | "ana"`, `"davi" | "bia"`, `"eva" | NULL`}
	if !slices.Equal(got, want) {
		t.Fatalf("self-join:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}
	if cols := j.Select(frame.Col("a.name"), "b.id").Columns(); !slices.Equal(cols, []string{"name", "id"}) {
		t.Fatalf("qualified columns are named %v, want Spark's bare names", cols)
	}

	// The aliased DataFrames' own Col, a filter on a qualified column
	// after the join, and "b.*".
	j2 := a.Join(b, a.Col("manager").Eq(b.Col("id"))).Filter(frame.Col("b.name").Eq(frame.Lit("ana")))
	got = sortedAliasRows(t, j2.Select("a.id", "b.*"))
	want = []string{`2 | 1 | "ana" | NULL`, `3 | 1 | "ana" | NULL`}
	if !slices.Equal(got, want) {
		t.Fatalf("filtered self-join:\n  %s\nwant\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
	}

	// A USING join's key is both aliases' column.
	u := a.Join(b, "id").Select("b.id", "a.name")
	if got := sortedAliasRows(t, u); len(got) != 5 || got[0] != `1 | "ana"` {
		t.Fatalf("using join: %v", got)
	}

	// Before a join, the alias qualifies df's columns alone.
	if got := sortedAliasRows(t, a.Filter(frame.Col("a.id").Gt(frame.Lit(4))).Select("a.name")); !slices.Equal(got, []string{`"eva"`}) {
		t.Fatalf("aliased filter: %v", got)
	}
}

// TestAliasAmbiguity checks the errors: an unqualified name both sides
// have names the qualified choices; an unknown alias is not found; a bad
// alias is refused.
func TestAliasAmbiguity(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	people := aliasPeople(sess)
	a, b := people.Alias("a"), people.Alias("b")
	j := a.Join(b, frame.Col("a.manager").Eq(frame.Col("b.id")))

	err := j.Select("name").Err()
	if err == nil || !strings.Contains(err.Error(), `column "name" is ambiguous`) || !strings.Contains(err.Error(), "(a.name, b.name)") ||
		!strings.Contains(err.Error(), `Col("a.name")`) {
		t.Fatalf("unqualified name: %v", err)
	}
	if err := j.Select("c.name").Err(); err == nil || !strings.Contains(err.Error(), `column not found: "c.name"`) {
		t.Fatalf("unknown alias: %v", err)
	}
	// Without aliases a self-join cannot tell its sides apart by name.
	if err := people.Join(people, frame.Col("manager").Eq(frame.Col("id"))).Err(); err == nil || !strings.Contains(err.Error(), "ambiguous") {
		t.Fatalf("self-join without aliases: %v", err)
	}
	if err := people.Alias("a.b").Err(); err == nil || !strings.Contains(err.Error(), "without dots") {
		t.Fatalf("alias with a dot: %v", err)
	}
	// An alias replaces the qualifiers: after j.Alias("j"), a.name is gone.
	if err := j.Alias("j").Select("a.name").Err(); err == nil {
		t.Fatal("a.name resolved after re-aliasing")
	}
	if err := j.Alias("j").Select("j.id").Err(); err == nil || !strings.Contains(err.Error(), "(j.id, j.id)") {
		t.Fatalf("j.id after re-aliasing a self-join: %v", err)
	}
}

// TestAliasPlanRoundTrip marshals an aliased self-join's plan, decodes
// it, and checks the plan and its rows are the same, and that an aliased
// DataFrame writes Parquet like any other.
func TestAliasPlanRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
	defer sess.Close()
	dir := filepath.Join(t.TempDir(), "people")
	if err := aliasPeople(sess).Write().Parquet(t.Context(), dir); err != nil {
		t.Fatal(err)
	}
	people := sess.Read().Parquet(dir)
	a, b := people.Alias("a"), people.Alias("b")
	j := a.Join(b, frame.Col("a.manager").Eq(frame.Col("b.id"))).Select(frame.Col("a.name"), frame.Col("b.name").As("boss"))
	if err := j.Err(); err != nil {
		t.Fatal(err)
	}
	node := j.Plan()
	data, err := plan.Marshal(node)
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plan.Explain(back), plan.Explain(node); got != want {
		t.Fatalf("round trip changed the plan:\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(plan.Explain(node), "Hint alias a") {
		t.Fatalf("plan:\n%s", plan.Explain(node))
	}
	got := sortedAliasRows(t, sess.FromPlan(back))
	if want := sortedAliasRows(t, j); !slices.Equal(got, want) || len(got) != 3 {
		t.Fatalf("decoded plan gave %v, want %v", got, want)
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := a.Filter(frame.Col("a.id").Lt(frame.Lit(3))).Write().Parquet(t.Context(), out); err != nil {
		t.Fatal(err)
	}
	if got := sortedAliasRows(t, sess.Read().Parquet(out)); len(got) != 2 {
		t.Fatalf("aliased write read back %v", got)
	}
}
