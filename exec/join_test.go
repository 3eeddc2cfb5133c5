package exec

import (
	"context"
	"errors"
	"fmt"
	"math/bits"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// joinRow is a row of a generated join input: (k1, k2, x), NULLs as nil.
type joinRow struct {
	k1 *int64
	k2 *string
	x  int64
}

var (
	joinLeftSchema = arrow.NewSchema([]arrow.Field{
		{Name: "k1", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "k2", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
	joinRightSchema = arrow.NewSchema([]arrow.Field{
		{Name: "k1", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "k2", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "w", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	}, nil)
)

// genJoinRows generates n rows with keys among keys values, some NULL,
// one key much more frequent than the others (skew).
func genJoinRows(rng *rand.Rand, n, keys int) []joinRow {
	rows := make([]joinRow, n)
	for i := range rows {
		r := joinRow{x: int64(rng.Intn(100))}
		if rng.Intn(10) > 0 {
			k := int64(rng.Intn(keys))
			if rng.Intn(4) == 0 {
				k = 0 // skew
			}
			r.k1 = &k
		}
		if rng.Intn(8) > 0 {
			s := string(rune('a' + rng.Intn(3)))
			r.k2 = &s
		}
		rows[i] = r
	}
	return rows
}

// joinScan scans rows in parts partitions of batches of at most 7 rows.
func joinScan(t *testing.T, mem memory.Allocator, s *arrow.Schema, rows []joinRow, parts int) *plan.Scan {
	t.Helper()
	return joinScanBatches(t, mem, s, rows, parts, 7)
}

// joinScanBatches is joinScan with batches of at most size rows.
func joinScanBatches(t *testing.T, mem memory.Allocator, s *arrow.Schema, rows []joinRow, parts, size int) *plan.Scan {
	t.Helper()
	batches := make([][]arrow.RecordBatch, parts)
	per := (len(rows) + parts - 1) / max(parts, 1)
	for p := range parts {
		lo, hi := min(p*per, len(rows)), min((p+1)*per, len(rows))
		for b := lo; b < hi; b += size {
			rb := array.NewRecordBuilder(mem, s)
			for _, r := range rows[b:min(b+size, hi)] {
				if r.k1 == nil {
					rb.Field(0).AppendNull()
				} else if s.Field(0).Type.ID() == arrow.INT32 {
					rb.Field(0).(*array.Int32Builder).Append(int32(*r.k1))
				} else {
					rb.Field(0).(*array.Int64Builder).Append(*r.k1)
				}
				if r.k2 == nil {
					rb.Field(1).AppendNull()
				} else {
					rb.Field(1).(*array.StringBuilder).Append(*r.k2)
				}
				rb.Field(2).(*array.Int64Builder).Append(r.x)
			}
			batch := rb.NewRecordBatch()
			rb.Release()
			defer batch.Release()
			batches[p] = append(batches[p], batch)
		}
	}
	src, err := plan.NewMemorySource(s, batches)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Release)
	return &plan.Scan{Source: src}
}

// joinCase is a join condition with its reference meaning.
type joinCase struct {
	name  string
	on    func() plan.Expr
	using []string
	match func(l, r joinRow) bool
}

func eqPtr[T comparable](a, b *T) bool { return a != nil && b != nil && *a == *b }
func nullSafe[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || eqPtr(a, b)
}

var joinCases = []joinCase{
	{name: "k1", on: func() plan.Expr { return plan.NewBinary(plan.OpEq, plan.LeftCol("k1"), plan.RightCol("k1")) },
		match: func(l, r joinRow) bool { return eqPtr(l.k1, r.k1) }},
	{name: "k1-k2", on: func() plan.Expr {
		return plan.And(plan.NewBinary(plan.OpEq, plan.RightCol("k1"), plan.LeftCol("k1")), plan.NewBinary(plan.OpEq, plan.LeftCol("k2"), plan.RightCol("k2")))
	}, match: func(l, r joinRow) bool { return eqPtr(l.k1, r.k1) && eqPtr(l.k2, r.k2) }},
	{name: "null-safe", on: func() plan.Expr {
		return plan.And(plan.NewBinary(plan.OpEqNullSafe, plan.LeftCol("k1"), plan.RightCol("k1")), plan.NewBinary(plan.OpEq, plan.LeftCol("k2"), plan.RightCol("k2")))
	}, match: func(l, r joinRow) bool { return nullSafe(l.k1, r.k1) && eqPtr(l.k2, r.k2) }},
	{name: "residual", on: func() plan.Expr {
		return plan.And(plan.NewBinary(plan.OpEq, plan.LeftCol("k1"), plan.RightCol("k1")), plan.NewBinary(plan.OpLt, plan.Col("v"), plan.Col("w")))
	}, match: func(l, r joinRow) bool { return eqPtr(l.k1, r.k1) && l.x < r.x }},
	{name: "nested-loop", on: func() plan.Expr {
		return plan.NewBinary(plan.OpLt, plan.Col("v"), plan.NewBinary(plan.OpSub, plan.Col("w"), plan.Lit(int64(80))))
	}, match: func(l, r joinRow) bool { return l.x < r.x-80 }},
	{name: "using", using: []string{"k1"}, match: func(l, r joinRow) bool { return eqPtr(l.k1, r.k1) }},
}

func renderPtr[T any](p *T) string {
	if p == nil {
		return "NULL"
	}
	return fmt.Sprint(*p)
}

// referenceJoin joins by brute force, rendering rows as the join outputs
// them.
func referenceJoin(left, right []joinRow, typ plan.JoinType, c joinCase) []string {
	row := func(l, r *joinRow) string {
		var cells []string
		lk1, rk1 := (*int64)(nil), (*int64)(nil)
		if l != nil {
			lk1 = l.k1
		}
		if r != nil {
			rk1 = r.k1
		}
		if c.using != nil {
			switch {
			case typ == plan.RightOuterJoin:
				cells = append(cells, renderPtr(rk1))
			case typ == plan.FullOuterJoin && lk1 == nil:
				cells = append(cells, renderPtr(rk1))
			default:
				cells = append(cells, renderPtr(lk1))
			}
		}
		if l == nil {
			if c.using == nil {
				cells = append(cells, "NULL")
			}
			cells = append(cells, "NULL", "NULL")
		} else {
			if c.using == nil {
				cells = append(cells, renderPtr(l.k1))
			}
			cells = append(cells, renderPtr(l.k2), strconv.FormatInt(l.x, 10))
		}
		if typ.LeftOnly() {
			return strings.Join(cells, "|")
		}
		if r == nil {
			if c.using == nil {
				cells = append(cells, "NULL")
			}
			cells = append(cells, "NULL", "NULL")
		} else {
			if c.using == nil {
				cells = append(cells, renderPtr(r.k1))
			}
			cells = append(cells, renderPtr(r.k2), strconv.FormatInt(r.x, 10))
		}
		return strings.Join(cells, "|")
	}
	match := c.match
	if typ == plan.CrossJoin {
		match = func(joinRow, joinRow) bool { return true }
	}
	var out []string
	rightMatched := make([]bool, len(right))
	for i := range left {
		l := &left[i]
		matched := false
		for k := range right {
			if match(*l, right[k]) {
				matched = true
				rightMatched[k] = true
				if !typ.LeftOnly() {
					out = append(out, row(l, &right[k]))
				}
			}
		}
		switch {
		case typ == plan.LeftSemiJoin && matched, typ == plan.LeftAntiJoin && !matched:
			out = append(out, row(l, nil))
		case !matched && (typ == plan.LeftOuterJoin || typ == plan.FullOuterJoin):
			out = append(out, row(l, nil))
		}
	}
	if typ == plan.RightOuterJoin || typ == plan.FullOuterJoin {
		for k := range right {
			if !rightMatched[k] {
				out = append(out, row(nil, &right[k]))
			}
		}
	}
	slices.Sort(out)
	return out
}

// joinStrategies force each physical strategy: a broadcast of either
// input (hint), a shuffle (no broadcast at all), and the automatic choice.
var joinStrategies = []struct {
	name      string
	hint      int // 0 none, 1 left, 2 right
	threshold int64
}{
	{name: "auto", threshold: 0},
	{name: "broadcast-left", hint: 1, threshold: -1},
	{name: "broadcast-right", hint: 2, threshold: -1},
	{name: "shuffle", threshold: -1},
}

// TestJoinMatchesReference runs every join type and condition with each
// strategy over generated inputs of several partitions (NULL keys,
// duplicates, skew) in small batches, against a brute-force join.
func TestJoinMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewSource(15))
	left, right := genJoinRows(rng, 120, 12), genJoinRows(rng, 90, 12)
	batchRows := 5
	if testing.Short() { // the race pass
		left, right, batchRows = left[:50], right[:40], 16
	}
	types := []plan.JoinType{plan.InnerJoin, plan.LeftOuterJoin, plan.RightOuterJoin, plan.FullOuterJoin, plan.LeftSemiJoin, plan.LeftAntiJoin, plan.CrossJoin}
	for _, typ := range types {
		for _, c := range joinCases {
			if typ == plan.CrossJoin && c.name != "k1" {
				continue // a cross join has no condition
			}
			want := referenceJoin(left, right, typ, c)
			for _, st := range joinStrategies {
				name := fmt.Sprintf("%s/%s/%s", typ, c.name, st.name)
				if typ == plan.CrossJoin {
					name = fmt.Sprintf("%s/%s", typ, st.name)
				}
				t.Run(name, func(t *testing.T) {
					mem := exectest.CheckedAlloc(t)
					var l, r plan.Node = joinScan(t, mem, joinLeftSchema, left, 3), joinScan(t, mem, joinRightSchema, right, 2)
					if st.hint == 1 {
						l = exectest.Must(plan.NewHint(l, plan.BroadcastHint))
					}
					if st.hint == 2 {
						r = exectest.Must(plan.NewHint(r, plan.BroadcastHint))
					}
					spec := plan.JoinSpec{Type: typ, Using: c.using}
					if c.on != nil && typ != plan.CrossJoin {
						spec.On = c.on()
					}
					j, err := plan.NewJoin(l, r, spec)
					if err != nil {
						t.Fatal(err)
					}
					cfg := Config{Allocator: mem, Parallelism: 2, BatchRows: batchRows, BroadcastThreshold: st.threshold}
					g, err := NewGraph(j, cfg)
					if err != nil {
						t.Fatal(err)
					}
					explain := g.Explain()
					sink := exectest.NewCollectSink()
					if _, err := (Local{}).Run(context.Background(), g, sink); err != nil {
						t.Fatalf("%v\n%s", err, explain)
					}
					got := sink.All()
					slices.Sort(got)
					if !slices.Equal(got, want) {
						t.Fatalf("%d rows, want %d\n%s\ngot  %v\nwant %v", len(got), len(want), explain, got, want)
					}
					if g.job.budget.used.Load() != 0 {
						t.Fatalf("%d bytes of the budget still reserved", g.job.budget.used.Load())
					}
				})
			}
		}
	}
}

// TestJoinExplainsStrategy checks the strategy each join gets and how
// EXPLAIN shows it.
func TestJoinExplainsStrategy(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	rng := rand.New(rand.NewSource(1))
	rows := genJoinRows(rng, 20, 5)
	scan := func(s *arrow.Schema, parts int) plan.Node {
		if s == joinRightSchema { // the smaller input
			return joinScan(t, mem, s, rows[:10], parts)
		}
		return joinScan(t, mem, s, rows, parts)
	}
	hinted := func(n plan.Node) plan.Node { return exectest.Must(plan.NewHint(n, plan.BroadcastHint)) }
	eq := func() plan.Expr { return plan.NewBinary(plan.OpEq, plan.LeftCol("k1"), plan.RightCol("k1")) }
	for _, c := range []struct {
		name      string
		l, r      plan.Node
		spec      plan.JoinSpec
		threshold int64
		want      string
	}{
		{"small right", scan(joinLeftSchema, 3), scan(joinRightSchema, 2), plan.JoinSpec{Type: plan.LeftOuterJoin, Using: []string{"k1"}}, 0,
			"BroadcastHashJoinExec [k1 = CAST(k1 AS int64)] left, build right (3 partitions)"},
		{"hinted left", hinted(scan(joinLeftSchema, 3)), scan(joinRightSchema, 2), plan.JoinSpec{Type: plan.InnerJoin, On: eq()}, -1,
			"BroadcastHashJoinExec [k1 = CAST(k1 AS int64)] inner, build left (2 partitions)"},
		{"threshold off", scan(joinLeftSchema, 3), scan(joinRightSchema, 2), plan.JoinSpec{Type: plan.InnerJoin, Using: []string{"k1"}}, -1,
			"ShuffledHashJoinExec [k1 = CAST(k1 AS int64)] inner, build right (2 partitions)"},
		{"full never broadcasts", scan(joinLeftSchema, 3), hinted(scan(joinRightSchema, 2)), plan.JoinSpec{Type: plan.FullOuterJoin, Using: []string{"k1"}}, 0,
			"ShuffledHashJoinExec [k1 = CAST(k1 AS int64)] full, build right (2 partitions)"},
		{"right join builds left", scan(joinLeftSchema, 3), scan(joinRightSchema, 2), plan.JoinSpec{Type: plan.RightOuterJoin, On: eq()}, -1,
			"ShuffledHashJoinExec [k1 = CAST(k1 AS int64)] right, build left (2 partitions)"},
		{"cross", scan(joinLeftSchema, 3), scan(joinRightSchema, 2), plan.JoinSpec{Type: plan.CrossJoin}, -1,
			"BroadcastNestedLoopJoinExec cross, build right (3 partitions)"},
		{"full non-equi", scan(joinLeftSchema, 3), scan(joinRightSchema, 2), plan.JoinSpec{Type: plan.FullOuterJoin, On: plan.NewBinary(plan.OpLt, plan.Col("v"), plan.Col("w"))}, -1,
			"NestedLoopJoinExec full, build right, condition (v < w) (1 partitions)"},
	} {
		t.Run(c.name, func(t *testing.T) {
			j := exectest.Must(plan.NewJoin(c.l, c.r, c.spec))
			g, err := NewGraph(j, Config{Parallelism: 2, BroadcastThreshold: c.threshold})
			if err != nil {
				t.Fatal(err)
			}
			defer g.Finish()
			if !strings.Contains(g.Explain(), c.want) {
				t.Fatalf("want %q in\n%s", c.want, g.Explain())
			}
		})
	}
}

// TestJoinBuildSideOverBudget checks that a shuffled hash join whose
// build side outgrows the memory budget spills both sides by key hash
// and still gives the right rows, and that a join that cannot spill (a
// broadcast, a nested loop) fails with ErrMemoryBudget naming the join.
func TestJoinBuildSideOverBudget(t *testing.T) {
	n, budget := 4000, int64(48<<10)
	if testing.Short() {
		n, budget = 1500, 16<<10
	}
	rng := rand.New(rand.NewSource(7))
	left, right := genJoinRows(rng, n, n/4), genJoinRows(rng, n, n/4)
	for _, rows := range [][]joinRow{left, right} {
		for i := range rows {
			// No skew here: one key's rows must fit once spilled.
			if k := rows[i].k1; k != nil && *k == 0 {
				*k = int64(rng.Intn(n / 4))
			}
		}
	}
	c := joinCases[0]
	for _, typ := range []plan.JoinType{plan.InnerJoin, plan.FullOuterJoin, plan.LeftAntiJoin} {
		t.Run("spills/"+typ.String(), func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			j := exectest.Must(plan.NewJoin(joinScanBatches(t, mem, joinLeftSchema, left, 2, 64), joinScanBatches(t, mem, joinRightSchema, right, 2, 64), plan.JoinSpec{Type: typ, On: c.on()}))
			cfg := Config{Allocator: mem, Parallelism: 2, BatchRows: 64, MemoryBudget: budget, BroadcastThreshold: -1, SpillDir: t.TempDir()}
			g, err := NewGraph(j, cfg)
			if err != nil {
				t.Fatal(err)
			}
			sink := exectest.NewCollectSink()
			spills := graceSpills.Load()
			m, err := (Local{}).Run(context.Background(), g, sink)
			if err != nil {
				t.Fatal(err)
			}
			if graceSpills.Load() == spills {
				t.Fatalf("the join's build side did not spill: %s", m)
			}
			got := sink.All()
			slices.Sort(got)
			if want := referenceJoin(left, right, typ, c); !slices.Equal(got, want) {
				t.Fatalf("%d rows, want %d", len(got), len(want))
			}
		})
	}
	for _, c := range []struct {
		name string
		hint bool
		on   plan.Expr
		want string
	}{
		{"broadcast", true, joinCases[0].on(), "BroadcastHashJoinExec [k1 = CAST(k1 AS int64)] inner, build right"},
		{"nested-loop", false, joinCases[4].on(), "BroadcastNestedLoopJoinExec inner, build right"},
	} {
		t.Run("fails/"+c.name, func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			var r plan.Node = joinScan(t, mem, joinRightSchema, right, 2)
			if c.hint {
				r = exectest.Must(plan.NewHint(r, plan.BroadcastHint))
			}
			j := exectest.Must(plan.NewJoin(joinScan(t, mem, joinLeftSchema, left, 2), r, plan.JoinSpec{Type: plan.InnerJoin, On: c.on}))
			cfg := Config{Allocator: mem, Parallelism: 2, BatchRows: 64, MemoryBudget: 24 << 10, BroadcastThreshold: -1, SpillDir: t.TempDir()}
			_, err := (Local{Config: cfg}).RunPlan(context.Background(), j, exectest.NewCollectSink())
			if !errors.Is(err, ErrMemoryBudget) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrMemoryBudget naming %q", err, c.want)
			}
		})
	}
}

// TestJoinLargeIntKeyTable: a build side on one integer key large enough
// for its table to get a Bloom filter (minFilteredSlots) gives the rows
// of a map-based reference for an inner, a semi and an anti join, whose
// probes mostly miss (odd keys never match) — a filter that refused a
// key in the table would lose rows.
func TestJoinLargeIntKeyTable(t *testing.T) {
	rng := rand.New(rand.NewSource(7))
	build := make([]joinRow, 30_000)
	counts := map[int64]int{}
	for i := range build {
		build[i].x = int64(i % 100)
		if i%50 == 0 {
			continue // NULL keys, in no chain
		}
		k := 2 * int64(rng.Intn(40_000))
		build[i].k1 = &k
		counts[k]++
	}
	if slots := 1 << bits.Len(uint(len(build)+len(build)/3)); intFilterWords(len(build), slots) == 0 {
		t.Fatalf("a build side of %d rows gets no filter: the test needs a larger one", len(build))
	}
	probe := make([]joinRow, 60_000)
	var wantInner, wantSemi int
	for i := range probe {
		k := int64(rng.Intn(80_000)) - 1_000 // negative keys too
		probe[i] = joinRow{k1: &k, x: int64(i % 100)}
		wantInner += counts[k]
		if counts[k] > 0 {
			wantSemi++
		}
	}
	for _, c := range []struct {
		typ  plan.JoinType
		want int
	}{{plan.InnerJoin, wantInner}, {plan.LeftSemiJoin, wantSemi}, {plan.LeftAntiJoin, len(probe) - wantSemi}} {
		t.Run(c.typ.String(), func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			l := joinScanBatches(t, mem, joinLeftSchema, probe, 2, 4096)
			r := exectest.Must(plan.NewHint(joinScanBatches(t, mem, joinRightSchema, build, 2, 4096), plan.BroadcastHint))
			j := exectest.Must(plan.NewJoin(l, r, plan.JoinSpec{Type: c.typ, On: joinCases[0].on()}))
			g, err := NewGraph(j, Config{Allocator: mem, Parallelism: 2})
			if err != nil {
				t.Fatal(err)
			}
			sink := exectest.NewCollectSink()
			if _, err := (Local{}).Run(context.Background(), g, sink); err != nil {
				t.Fatal(err)
			}
			if got := len(sink.All()); got != c.want {
				t.Fatalf("%d rows, want %d", got, c.want)
			}
		})
	}
}
