package exec

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

// TestExchangeReleasesOnFailure: when a job fails, whatever its exchanges
// hold is released (no Arrow memory left, no bytes left reserved against
// the budget), whether the input failed while the exchange was filling or
// a consumer failed while output partitions were still unread.
func TestExchangeReleasesOnFailure(t *testing.T) {
	failInput := func(_ context.Context, p, batch int) error {
		if p == 2 && batch == 3 {
			return exectest.ErrBoom
		}
		return nil
	}
	failOutput := func(in plan.Node) plan.Node {
		var seen atomic.Int32 // partitions call Fn concurrently
		return &plan.MapBatches{Input: in, Name: "fail", OutSchema: exectest.IntSchema,
			Fn: func(_ context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
				if seen.Add(1) == 2 {
					return nil, exectest.ErrBoom
				}
				b.Retain()
				return b, nil
			}}
	}
	cases := []struct {
		name   string
		before func(context.Context, int, int) error
		root   func(plan.Node) plan.Node
	}{
		{"repartition-input-fails", failInput, func(n plan.Node) plan.Node { return exectest.Must(plan.NewRepartition(n, 3)) }},
		{"hash-repartition-input-fails", failInput, func(n plan.Node) plan.Node { return exectest.Must(plan.NewRepartition(n, 3, plan.Col("v"))) }},
		{"sort-input-fails", failInput, func(n plan.Node) plan.Node {
			return exectest.Must(plan.NewSort(n, plan.SortOrder{Expr: plan.Col("v")}))
		}},
		{"aggregate-input-fails", failInput, func(n plan.Node) plan.Node {
			return exectest.Must(plan.NewAggregate(n, []plan.Expr{plan.Col("v")}, []plan.AggExpr{{Func: plan.AggCount}}))
		}},
		{"distinct-input-fails", failInput, func(n plan.Node) plan.Node { return &plan.Distinct{Input: n} }},
		{"repartition-output-fails", nil, func(n plan.Node) plan.Node { return failOutput(exectest.Must(plan.NewRepartition(n, 4))) }},
		{"sort-output-fails", nil, func(n plan.Node) plan.Node {
			return failOutput(exectest.Must(plan.NewSort(n, plan.SortOrder{Expr: plan.Col("v"), Descending: true})))
		}},
		{"two-exchanges", nil, func(n plan.Node) plan.Node {
			return failOutput(exectest.Must(plan.NewRepartition(exectest.Must(plan.NewRepartition(n, 5, plan.Col("v"))), 2)))
		}},
	}
	for _, c := range cases {
		for _, parallelism := range []int{1, 3} {
			t.Run(fmt.Sprintf("%s/parallelism=%d", c.name, parallelism), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				mem := exectest.CheckedAlloc(t)
				src := &exectest.ScriptSource{Parts: 3, Batches: 5, Rows: 3, Before: c.before}
				j, err := runJob(context.Background(), Config{Allocator: mem, Parallelism: parallelism, BatchRows: 2}, c.root(src.Scan()), exectest.NewCollectSink())
				if !errors.Is(err, exectest.ErrBoom) {
					t.Fatalf("job returned %v", err)
				}
				if n := j.budget.used.Load(); n != 0 {
					t.Errorf("%d bytes still reserved against the budget", n)
				}
			})
		}
	}
}

// TestExchangeBudget: a budget smaller than one batch fails with
// ErrMemoryBudget (spilling cannot help), and leaves nothing reserved.
func TestExchangeBudget(t *testing.T) {
	roots := map[string]func(plan.Node) plan.Node{
		"repartition": func(n plan.Node) plan.Node { return exectest.Must(plan.NewRepartition(n, 2)) },
		"sort": func(n plan.Node) plan.Node {
			return exectest.Must(plan.NewSort(n, plan.SortOrder{Expr: plan.Col("v")}))
		},
		"aggregate": func(n plan.Node) plan.Node {
			return exectest.Must(plan.NewAggregate(n, []plan.Expr{plan.Col("v")}, []plan.AggExpr{{Func: plan.AggCount}}))
		},
	}
	for name, root := range roots {
		t.Run(name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			mem := exectest.CheckedAlloc(t)
			src := &exectest.ScriptSource{Parts: 2, Batches: 10, Rows: 100}
			j, err := runJob(context.Background(), Config{Allocator: mem, Parallelism: 2, MemoryBudget: 300, SpillDir: t.TempDir()}, root(src.Scan()), exectest.NewCollectSink())
			if !errors.Is(err, ErrMemoryBudget) || !strings.Contains(err.Error(), "memory budget of 300 B") {
				t.Fatalf("job returned %v, want a memory budget error", err)
			}
			if n := j.budget.used.Load(); n != 0 {
				t.Errorf("%d bytes still reserved against the budget", n)
			}
		})
	}
}

// TestExchangeSuccessFreesBudget: a job that completes gives back every
// byte it reserved.
func TestExchangeSuccessFreesBudget(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 3, Batches: 4, Rows: 5}
	root := exectest.Must(plan.NewSort(exectest.Must(plan.NewRepartition(src.Scan(), 4, plan.Col("v"))), plan.SortOrder{Expr: plan.Col("v")}))
	sink := exectest.NewCollectSink()
	j, err := runJob(context.Background(), Config{Allocator: mem, Parallelism: 2, BatchRows: 3}, root, sink)
	if err != nil {
		t.Fatal(err)
	}
	if n := j.budget.used.Load(); n != 0 {
		t.Errorf("%d bytes still reserved", n)
	}
	if got := sink.All(); len(got) != 60 || got[0] != "0" || got[59] != "2019" {
		t.Fatalf("sorted rows %v", got)
	}
}
