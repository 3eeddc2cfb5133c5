package exec

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// TestTopN checks ORDER BY … LIMIT n, which runs as a top N, against the
// first n rows of a stable sort of the input partitions laid end to end:
// for inputs of every shape (empty partitions, few distinct keys, many
// ties, NULLs), limits from 0 to more than the rows, at several
// parallelisms and batch sizes.
func TestTopN(t *testing.T) {
	s := keyedSchema
	rng := rand.New(rand.NewPCG(7, 8))
	trials := 40
	if testing.Short() { // the race run
		trials = 8
	}
	for trial := range trials {
		parts, all := randomKeyedInput(rng, 1+trial%11, 6, 5, 60, 8)
		desc, nullsFirst := trial%2 == 1, trial%3 == 0
		sortKeyedStable(all, desc, nullsFirst)
		for _, n := range []int64{0, 1, 3, 17, int64(len(all)), int64(len(all)) + 5} {
			want := []string{}
			for _, r := range all[:min(int(n), len(all))] {
				want = append(want, r.id)
			}
			for _, parallelism := range []int{1, 4} {
				t.Run(fmt.Sprintf("trial=%d/n=%d/parallelism=%d", trial, n, parallelism), func(t *testing.T) {
					mem := exectest.CheckedAlloc(t)
					order := plan.SortOrder{Expr: plan.Col("k"), Descending: desc, NullsFirst: nullsFirst}
					root := &plan.Limit{Input: exectest.Must(plan.NewSort(memScan(t, mem, s, parts...), order)), N: n}
					cfg := Config{Allocator: mem, Parallelism: parallelism, BatchRows: 1 + trial%9}
					g, err := NewGraph(root, cfg)
					if err != nil {
						t.Fatal(err)
					}
					if explain := g.Explain(); !strings.Contains(explain, "TopNExec") || strings.Contains(explain, "RangeBoundsExec") {
						t.Fatalf("not planned as a top N:\n%s", explain)
					}
					sink := exectest.NewCollectSink()
					if _, err := (Local{}).Run(context.Background(), g, sink); err != nil {
						t.Fatal(err)
					}
					got := []string{}
					for _, line := range sink.All() {
						got = append(got, strings.Split(line, "|")[1])
					}
					if !slices.Equal(got, want) {
						t.Fatalf("ids\n%v\nwant (stable sort, first %d)\n%v", got, n, want)
					}
				})
			}
		}
	}
}

// TestTopNAboveTheBound: a LIMIT over MaxTopNRows sorts the whole input
// across partitions instead.
func TestTopNAboveTheBound(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	s := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}}, nil)
	scan := memScan(t, mem, s, []string{`[{"k": 3}, {"k": 1}]`}, []string{`[{"k": 2}]`})
	sorted := exectest.Must(plan.NewSort(scan, plan.SortOrder{Expr: plan.Col("k")}))
	for n, want := range map[int64]string{MaxTopNRows: "TopNExec", MaxTopNRows + 1: "RangeBoundsExec"} {
		g, err := NewGraph(&plan.Limit{Input: sorted, N: n}, Config{Allocator: mem, Parallelism: 2})
		if err != nil {
			t.Fatal(err)
		}
		if explain := g.Explain(); !strings.Contains(explain, want) {
			t.Errorf("LIMIT %d: no %s in\n%s", n, want, explain)
		}
		sink := exectest.NewCollectSink()
		if _, err := (Local{}).Run(context.Background(), g, sink); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(sink.All(), ","); got != "1,2,3" {
			t.Errorf("LIMIT %d: %s", n, got)
		}
	}
}
