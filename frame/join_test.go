package frame_test

import (
	"context"
	"errors"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
)

var (
	ordersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "orderkey", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "custkey", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "total", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	}, nil)
	customersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "custkey", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
)

const (
	ordersJSON = `[
		{"orderkey": 1, "custkey": 10, "total": 5.5},
		{"orderkey": 2, "custkey": 20, "total": 7.0},
		{"orderkey": 3, "custkey": 10, "total": 1.0},
		{"orderkey": 4, "custkey": null, "total": 2.0},
		{"orderkey": 5, "custkey": 40, "total": 3.0}
	]`
	customersJSON = `[
		{"custkey": 10, "name": "ann"},
		{"custkey": 20, "name": "bob"},
		{"custkey": 30, "name": "cyd"},
		{"custkey": null, "name": "nul"}
	]`
)

// joinSession returns a session with a checked allocator and the orders
// and customers DataFrames, orders in 2 partitions.
func joinSession(t *testing.T, opts ...frame.Option) (*frame.Session, *frame.DataFrame, *frame.DataFrame) {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithBatchSize(2, 0)}, opts...)...)
	t.Cleanup(func() { sess.Close() })
	return sess, partitioned(t, sess, mem, ordersSchema, ordersJSON, 2), partitioned(t, sess, mem, customersSchema, customersJSON, 1)
}

func sorted(rows []string) []string { slices.Sort(rows); return rows }

func TestJoinOnName(t *testing.T) {
	_, orders, customers := joinSession(t)
	// Exactly as the issue writes it.
	j := orders.Join(customers, "custkey", "left") // on: a name, []string, or a Column condition
	if got := strings.Join(j.Columns(), ","); got != "custkey,orderkey,total,name" {
		t.Fatalf("columns %s", got)
	}
	want := []string{"10|1|5.5|ann", "20|2|7.0|bob", "10|3|1.0|ann", "NULL|4|2.0|NULL", "40|5|3.0|NULL"}
	if got := collectRows(t, j); !slices.Equal(sorted(got), sorted(want)) {
		t.Fatalf("got %v", got)
	}
	for how, want := range map[string][]string{
		"inner":      {"10|1|5.5|ann", "20|2|7.0|bob", "10|3|1.0|ann"},
		"right":      {"10|1|5.5|ann", "20|2|7.0|bob", "10|3|1.0|ann", "30|NULL|NULL|cyd", "NULL|NULL|NULL|nul"},
		"full_outer": {"10|1|5.5|ann", "20|2|7.0|bob", "10|3|1.0|ann", "30|NULL|NULL|cyd", "NULL|NULL|NULL|nul", "NULL|4|2.0|NULL", "40|5|3.0|NULL"},
		"semi":       {"10|1|5.5", "20|2|7.0", "10|3|1.0"},
		"LeftAnti":   {"NULL|4|2.0", "40|5|3.0"},
	} {
		if got := collectRows(t, orders.Join(customers, []string{"custkey"}, how)); !slices.Equal(sorted(got), sorted(want)) {
			t.Errorf("%s: got %v, want %v", how, got, want)
		}
	}
}

func TestJoinOnConditionKeepsBothColumns(t *testing.T) {
	_, orders, customers := joinSession(t)
	j := orders.Join(customers, orders.Col("custkey").Eq(customers.Col("custkey")))
	if got := strings.Join(j.Columns(), ","); got != "orderkey,custkey,total,custkey,name" {
		t.Fatalf("columns %s", got)
	}
	// Qualified references pick the right one, through later steps too.
	sel := j.Filter(customers.Col("custkey").Gt(15)).Select(orders.Col("orderkey"), customers.Col("custkey").Alias("c"), "name")
	if got := collectRows(t, sel); !slices.Equal(got, []string{"2|20|bob"}) {
		t.Fatalf("got %v\n%s", got, sel.Explain())
	}
	// An unqualified reference to the name both sides have is an error
	// naming it and both sides.
	err := j.Select("custkey").Err()
	if err == nil || !strings.Contains(err.Error(), `"custkey" is ambiguous`) || !strings.Contains(err.Error(), "left input") || !strings.Contains(err.Error(), "right input") {
		t.Fatalf("err = %v", err)
	}
	if err := j.Col("custkey").Expr.(*plan.Invalid); err == nil {
		t.Fatal("j.Col(custkey) resolved on the join itself")
	}
	// NULL keys never match under Eq; EqNullSafe matches them.
	ns := orders.Join(customers, orders.Col("custkey").EqNullSafe(customers.Col("custkey")), "inner").Select("orderkey", "name")
	if got := collectRows(t, ns); !slices.Equal(sorted(got), []string{"1|ann", "2|bob", "3|ann", "4|nul"}) {
		t.Fatalf("EqNullSafe: got %v", got)
	}
	// A residual condition beside the equality.
	res := orders.Join(customers, orders.Col("custkey").Eq(customers.Col("custkey")).And(orders.Col("total").Gt(2)), "left").Select("orderkey", "name")
	if got := collectRows(t, res); !slices.Equal(sorted(got), []string{"1|ann", "2|bob", "3|NULL", "4|NULL", "5|NULL"}) {
		t.Fatalf("residual: got %v", got)
	}
}

// TestJoinQualifiedAfterJoin checks qualified columns in steps the
// optimizer cannot move below the join: they bind in the join's own
// output batches, where two columns share the name.
func TestJoinQualifiedAfterJoin(t *testing.T) {
	sess, orders, customers := joinSession(t)
	j := orders.Join(customers, orders.Col("custkey").Eq(customers.Col("custkey")), "left")
	// A filter on the right input of a left join stays above it.
	unmatched := j.Filter(customers.Col("custkey").IsNull()).Select("orderkey", orders.Col("custkey"))
	if got := collectRows(t, unmatched); !slices.Equal(sorted(got), []string{"4|NULL", "5|40"}) {
		t.Fatalf("got %v\n%s", got, unmatched.Explain())
	}
	// Grouping and sorting by one of the two, and Distinct over both.
	counts := j.GroupBy(customers.Col("custkey")).Count().OrderBy(frame.Col("custkey").AscNullsLast())
	if got := collectRows(t, counts); !slices.Equal(got, []string{"10|2", "20|1", "NULL|2"}) {
		t.Fatalf("got %v", got)
	}
	sortedRows := j.OrderBy(orders.Col("custkey").Desc(), frame.Col("orderkey")).Select("orderkey")
	if got := collectRows(t, sortedRows); !slices.Equal(got, []string{"5", "2", "1", "3", "4"}) {
		t.Fatalf("got %v", got)
	}
	if n, err := j.Select(orders.Col("custkey"), customers.Col("custkey").Alias("c")).Distinct().Count(context.Background()); err != nil || n != 4 {
		t.Fatalf("distinct %d, %v", n, err)
	}
	if n, err := j.Distinct().Count(context.Background()); err != nil || n != 5 {
		t.Fatalf("distinct over both custkeys: %d, %v", n, err)
	}
	// A join of the join: tags accumulate, orders' custkey is found.
	regionSchema := arrow.NewSchema([]arrow.Field{{Name: "custkey", Type: arrow.PrimitiveTypes.Int64}, {Name: "region", Type: arrow.BinaryTypes.String}}, nil)
	regions := partitioned(t, sess, sess.Allocator(), regionSchema, `[{"custkey": 10, "region": "north"}, {"custkey": 20, "region": "north"}]`, 1)
	jj := j.Join(regions, orders.Col("custkey").Eq(regions.Col("custkey")), "inner").Select("orderkey", "region")
	if got := collectRows(t, jj); !slices.Equal(sorted(got), []string{"1|north", "2|north", "3|north"}) {
		t.Fatalf("got %v\n%s", got, jj.Explain())
	}
}

func TestJoinErrors(t *testing.T) {
	_, orders, customers := joinSession(t)
	for _, c := range []struct {
		df   *frame.DataFrame
		want string
	}{
		{orders.Join(customers, "custkey", "sideways"), `unknown join type "sideways" (valid: inner, cross, outer, full`},
		{orders.Join(customers, 42), "on is int: it must be a column name (string), column names ([]string), a condition (Column) or nil"},
		{orders.Join(customers, "name"), `join on "name": the left input`},
		{orders.Join(customers, []string{}), "no column names to join on"},
		{orders.Join(customers, "custkey", "left", "right"), "one join type, not 2"},
		{orders.Join(nil, "custkey"), "the other DataFrame: frame: nil DataFrame"},
		{orders.Join(customers, frame.Col("custkey").Eq(1)), `"custkey" is ambiguous`},
		// A self-join: both sides are customers, whose Col cannot tell them apart.
		{customers.Join(customers.Filter(frame.Col("name").Neq("x")), customers.Col("custkey").Eq(customers.Col("custkey"))), "even qualified by its DataFrame"},
	} {
		if err := c.df.Err(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want %q", err, c.want)
		}
	}
	if _, err := orders.Join(customers, "custkey", "sideways").Count(context.Background()); err == nil {
		t.Fatal("an action on a failed join ran")
	}
}

func TestJoinStrategies(t *testing.T) {
	_, orders, customers := joinSession(t)
	j := orders.Join(customers, "custkey", "left")
	if plan := j.Explain(); !strings.Contains(plan, "BroadcastHashJoinExec [custkey] left, build right") {
		t.Fatalf("a small in-memory side is not broadcast:\n%s", plan)
	}
	_, orders, customers = joinSession(t, frame.WithBroadcastThreshold(-1))
	j = orders.Join(customers, "custkey", "left")
	if plan := j.Explain(); !strings.Contains(plan, "ShuffledHashJoinExec [custkey] left, build right") || !strings.Contains(plan, "hash [custkey] into 2 partitions") {
		t.Fatalf("threshold off, yet:\n%s", plan)
	}
	want := collectRows(t, j)
	// The hint broadcasts whatever the threshold, and a filter of the
	// hinted DataFrame keeps it.
	b := orders.Join(frame.Broadcast(customers).Filter(frame.Col("name").Neq("zed")), "custkey", "left")
	if plan := b.Explain(); !strings.Contains(plan, "BroadcastHashJoinExec [custkey] left, build right") {
		t.Fatalf("hint ignored:\n%s", plan)
	}
	if got := collectRows(t, b); !slices.Equal(sorted(got), sorted(want)) {
		t.Fatalf("broadcast %v, shuffle %v", got, want)
	}
	// A cross join is a nested loop.
	c := orders.CrossJoin(customers)
	if n, err := c.Count(context.Background()); err != nil || n != 20 {
		t.Fatalf("cross join count %d, %v", n, err)
	}
	if plan := c.Explain(); !strings.Contains(plan, "BroadcastNestedLoopJoinExec cross") {
		t.Fatalf("cross join:\n%s", plan)
	}
}

func TestJoinOptimizes(t *testing.T) {
	_, orders, customers := joinSession(t)
	j := orders.Join(customers, orders.Col("custkey").Eq(customers.Col("custkey")), "left").
		Filter(orders.Col("total").Gt(2).And(customers.Col("name").Neq("bob"))).
		Select("name", customers.Col("custkey"))
	optimized := strings.SplitN(strings.SplitN(j.Explain(), "== Optimized Logical Plan ==\n", 2)[1], "\n== Physical Plan ==", 2)[0]
	// The filter on the left (preserved) side goes below the join; the one
	// on the right side of a left join stays above it.
	lines := strings.Split(optimized, "\n")
	join := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "Join left") })
	left := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "Filter (total > 2") })
	right := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, `Filter (name != "bob")`) })
	if join < 0 || left < join || right < 0 || right > join {
		t.Fatalf("optimized plan:\n%s", optimized)
	}
	// Columns are pruned per side: orderkey is read by nothing.
	if !strings.Contains(optimized, "Scan memory [custkey, total]") {
		t.Fatalf("orderkey not pruned:\n%s", optimized)
	}
	if got := collectRows(t, j); !slices.Equal(got, []string{"ann|10"}) {
		t.Fatalf("got %v", got)
	}
}

// TestJoinPlanTravels checks that a join's plan serializes, qualified
// columns included, and runs where it is decoded.
func TestJoinPlanTravels(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "orders.csv"), "orderkey,custkey,total\n1,10,5.5\n2,20,7.0\n3,10,1.0\n4,,2.0\n")
	writeFile(t, filepath.Join(dir, "customers.csv"), "custkey,name\n10,ann\n20,bob\n")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
	defer sess.Close()
	read := func(name string) *frame.DataFrame {
		return sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(filepath.Join(dir, name))
	}
	orders, customers := read("orders.csv"), read("customers.csv")
	j := orders.Join(frame.Broadcast(customers), orders.Col("custkey").Eq(customers.Col("custkey")), "left").
		Select(orders.Col("orderkey"), customers.Col("custkey").Alias("c"), "name")
	want := collectRows(t, j)
	wire, err := plan.Marshal(j.Plan())
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(wire)
	if err != nil {
		t.Fatal(err)
	}
	again, err := plan.Marshal(back)
	if err != nil || string(again) != string(wire) {
		t.Fatalf("round trip changed the plan (%v):\n%s\n%s", err, wire, again)
	}
	if got := collectRows(t, sess.FromPlan(back)); !slices.Equal(sorted(got), sorted(want)) || len(got) != 4 {
		t.Fatalf("decoded plan gave %v, want %v", got, want)
	}
	_ = ctx
}

// TestJoinMemoryBudget checks that a join whose build side is larger than
// the session's memory budget spills (a shuffled hash join) or fails with
// exec.ErrMemoryBudget naming the join (a broadcast).
func TestJoinMemoryBudget(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithMemoryBudget(256<<10),
		frame.WithBroadcastThreshold(-1), frame.WithSpillDir(t.TempDir()), frame.WithBatchSize(1024, 0))
	defer sess.Close()
	left := sess.Range(0, 20000).WithColumn("k", frame.Col("id").Mod(5000))
	right := sess.Range(0, 20000).WithColumn("k", frame.Col("id").Mod(7000)).WithColumn("pad", frame.Lit(strings.Repeat("x", 40)))
	j := left.Join(right, "k")
	n, err := j.Count(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Keys 0..4999 appear 4 times on the left; on the right keys 0..5999
	// appear 3 times and 6000..6999 twice: 5000 keys × 4 × 3.
	if n != 60000 {
		t.Fatalf("count %d, want 60000", n)
	}
	if m := sess.LastMetrics(); m.SpillFiles == 0 {
		t.Fatalf("the join did not spill: %s", m)
	}
	_, err = left.Join(frame.Broadcast(right), "k").Count(ctx)
	if !errors.Is(err, exec.ErrMemoryBudget) || !strings.Contains(err.Error(), "BroadcastHashJoinExec [k] inner, build right") {
		t.Fatalf("err = %v, want ErrMemoryBudget naming the join", err)
	}
}
