package exec

import (
	"context"
	"errors"
	"io"
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// TestGroupTableMemory holds a group table's accounting to the Go heap it
// takes: a GroupBy's and a Distinct's tables, from a few thousand groups
// to two hundred thousand, reserve no less than what they hold less 5%,
// or a budget would be exceeded, and no more than 10% above it, or
// aggregates would spill for nothing.
func TestGroupTableMemory(t *testing.T) {
	for _, c := range spillJobs {
		if c.name != "group-by" && c.name != "distinct" {
			continue
		}
		for _, batches := range []int{2, 8, 24} {
			mem := exectest.CheckedAlloc(t)
			src := &spillSource{Parts: 1, Batches: batches, Rows: 8192, Keys: 1 << 30, Pad: 16}
			if c.name == "group-by" {
				src.Keys = batches * src.Rows / 4
			}
			var keys []plan.Expr
			var aggs []plan.AggExpr
			node := c.root(src.Scan())
			switch n := node.(type) {
			case *plan.Aggregate:
				keys, aggs = n.Keys, n.Aggs
			case *plan.Distinct:
				for _, f := range n.Schema().Fields() {
					keys = append(keys, exectest.Must(plan.Col(f.Name).Resolve(n.Schema())))
				}
			}
			j := newJob(Config{Allocator: mem, MemoryBudget: 1 << 40})
			ctx := compute.WithAllocator(context.Background(), mem)
			r := exectest.Must(src.Open(ctx, 0, plan.ScanOptions{Allocator: mem}))
			before := liveHeapAfterGC()
			table, err := newAggregation(j, keys, aggs, node.Schema()).newTable(ctx, 0)
			if err != nil {
				t.Fatal(err)
			}
			for {
				b, err := r.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				if err := table.add(b); err != nil {
					t.Fatal(err)
				}
				if fits, err := table.account(); !fits || err != nil {
					t.Fatalf("account: %v, %v", fits, err)
				}
			}
			r.Close()
			// The scratch of one batch's keys is not the table's to count.
			scratch := int64(cap(table.scratch) + 8*cap(table.ends) + 4*cap(table.misses) + 8*cap(table.hashes))
			held := liveHeapAfterGC() - before - scratch
			t.Logf("%s, %d groups: holds %.2f MiB, reserves %.2f MiB (%.0f bytes a group)",
				c.name, table.groups, float64(held)/(1<<20), float64(table.bytes)/(1<<20), float64(table.bytes)/float64(table.groups))
			// The slack covers the group cache (192 KiB, not reserved).
			if slack := int64(256 << 10); held > table.bytes+table.bytes*5/100+slack || table.bytes > held+held*10/100+slack {
				t.Errorf("%s, %d groups: the table holds %d bytes and reserves %d", c.name, table.groups, held, table.bytes)
			}
			table.release()
			if n := j.budget.used.Load(); n != 0 {
				t.Errorf("%d bytes still reserved", n)
			}
		}
	}
}

// spillPeakBudgetMiB is the budget TestSpillPeakMemory runs its jobs
// under, and spillPeakOverhead what it allows their live heap beyond
// 1.2 × that budget: the batches in flight of the jobs' four tasks (an
// input batch and its key columns, the batch an aggregate builds to hand
// out and its scattered copies, a spill file's batch being read and
// written), which do not grow with the budget. See docs/engine.md for the
// figures measured and the margin.
const (
	spillPeakBudgetMiB = 16
	spillPeakOverhead  = 16 << 20
)

// TestSpillPeakMemory: a GroupBy, an OrderBy, a Distinct and a join over
// input ten times the memory budget keep their live heap within 1.2 ×
// the budget plus spillPeakOverhead. Each runs in a subprocess
// (TestSpillPeakHelper) whose garbage collections stop the world
// (GODEBUG=gcstoptheworld=1), so that the live heap each finds is what
// the job holds: a concurrent collection also counts as live what the
// job allocates while it marks, which grows with the machine's load
// (BenchmarkSpillPeakMemory reports that figure too).
func TestSpillPeakMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("runs four jobs of 160 MiB of input")
	}
	for _, name := range []string{"group-by", "order-by", "distinct", "join"} {
		t.Run(name, func(t *testing.T) {
			f := runPeakHelper(t, name, spillPeakBudgetMiB, "gcstoptheworld=1")
			limit := f.budget*12/10 + spillPeakOverhead
			t.Logf("%s: peak live heap %.1f MiB, budget %d MiB, limit %.1f MiB, %.0f MiB spilled",
				name, float64(f.live)/(1<<20), f.budget>>20, float64(limit)/(1<<20), float64(f.spilled)/(1<<20))
			if f.spilled == 0 {
				t.Errorf("%s spilled nothing", name)
			}
			if f.live > limit {
				t.Errorf("%s: peak live heap %.1f MiB, more than 1.2 × the budget of %d MiB + %d MiB",
					name, float64(f.live)/(1<<20), f.budget>>20, spillPeakOverhead>>20)
			}
		})
	}
}

// liveHeapAfterGC collects garbage and returns the heap left.
func liveHeapAfterGC() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}
