package exec

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

func TestRunCollects(t *testing.T) {
	for _, batchRows := range []int{1, 2, 7, 0} {
		mem := checkedAlloc(t)
		src := &scriptSource{parts: 3, batches: 2, rows: 3}
		sink, err := run(t, context.Background(), mem, batchRows, src.scan())
		if err != nil {
			t.Fatal(err)
		}
		got := sink.all()
		if len(got) != 18 || got[0] != "0" || got[6] != "1000" || got[17] != "2005" {
			t.Fatalf("rows %v", got)
		}
		for p := range 3 {
			if !sink.done[p] {
				t.Errorf("Done(%d) not called", p)
			}
		}
	}
}

// TestRunFirstError: a failing partition cancels the others, which are
// still producing, and Run returns that partition's error, not the
// cancellation the others saw.
func TestRunFirstError(t *testing.T) {
	defer goleak.VerifyNone(t)
	for _, parallelism := range []int{1, 2, 3} {
		mem := checkedAlloc(t)
		src := &scriptSource{parts: 3, batches: -1, rows: 4, before: func(ctx context.Context, p, batch int) error {
			if p == 1 && batch == 2 {
				return errBoom
			}
			if p != 1 {
				time.Sleep(100 * time.Microsecond) // keep producing until cancelled
			}
			return nil
		}}
		if parallelism == 1 {
			src.batches = 5 // partition 0 must end for partition 1 to start
		}
		sink := newCollectSink()
		_, err := Local{Config: Config{Allocator: mem, Parallelism: parallelism, BatchRows: 2}}.RunPlan(context.Background(), src.scan(), sink)
		if !errors.Is(err, errBoom) {
			t.Fatalf("parallelism %d: Run returned %v, want %v", parallelism, err, errBoom)
		}
		if sink.done[1] {
			t.Errorf("parallelism %d: Done called for the failed partition", parallelism)
		}
		if parallelism == 1 && src.opened.Load() != 2 {
			t.Errorf("parallelism 1: %d partitions opened after partition 1 failed, want 2", src.opened.Load())
		}
		if src.opened.Load() != src.closed.Load() {
			t.Errorf("parallelism %d: %d readers opened, %d closed", parallelism, src.opened.Load(), src.closed.Load())
		}
	}
}

func TestRunSinkError(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := checkedAlloc(t)
	src := &scriptSource{parts: 4, batches: -1, rows: 2}
	sink := newCollectSink()
	sink.onBatch = func(p int, _ arrow.RecordBatch) error {
		if p == 2 {
			return errBoom
		}
		return nil
	}
	_, err := Local{Config: Config{Allocator: mem, Parallelism: 4}}.RunPlan(context.Background(), src.scan(), sink)
	if !errors.Is(err, errBoom) {
		t.Fatalf("Run returned %v", err)
	}
}

func TestRunPanics(t *testing.T) {
	panicAt := func(part int) func(context.Context, int, int) error {
		return func(_ context.Context, p, batch int) error {
			if p == part && batch == 1 {
				panic("boom")
			}
			return nil
		}
	}
	fnPanicsIn := func(part int) plan.BatchFunc {
		return func(_ context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
			if b.Column(0).(*array.Int64).Value(0)/1000 == int64(part) {
				panic("boom")
			}
			b.Retain()
			return b, nil
		}
	}
	cases := []struct {
		name string
		root func(*scriptSource) plan.Node
		src  *scriptSource
		want []string // in the error message
	}{
		{"source", func(s *scriptSource) plan.Node { return s.scan() },
			&scriptSource{parts: 3, batches: 3, rows: 2, before: panicAt(1)},
			[]string{"partition 1 panicked", "boom"}},
		{"source-below-exchange", func(s *scriptSource) plan.Node { return must(plan.NewRepartition(s.scan(), 2)) },
			&scriptSource{parts: 3, batches: 3, rows: 2, before: panicAt(2)},
			[]string{"partition 2 panicked", "boom"}},
		{"map-batches", func(s *scriptSource) plan.Node {
			return &plan.MapBatches{Input: s.scan(), Name: "fn", Fn: fnPanicsIn(1), OutSchema: intSchema}
		}, &scriptSource{parts: 3, batches: 3, rows: 2},
			[]string{"MapBatches fn panicked in partition 1", "boom"}},
		{"udf", func(s *scriptSource) plan.Node {
			return must(plan.NewProject(s.scan(), &plan.Alias{Child: &plan.Call{Fn: panicky{}, Args: []plan.Expr{plan.Col("v")}}, Name: "x"}))
		}, &scriptSource{parts: 2, batches: 3, rows: 2},
			[]string{"function panicky panicked in partition", "boom"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			mem := checkedAlloc(t)
			_, err := run(t, context.Background(), mem, 0, c.root(c.src))
			if err == nil {
				t.Fatal("Run succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", firstLine(err), w)
				}
			}
		})
	}
}

// panicky is a user-defined function that panics.
type panicky struct{}

func (panicky) Name() string { return "panicky" }
func (panicky) ReturnType([]arrow.DataType) (arrow.DataType, error) {
	return arrow.PrimitiveTypes.Int64, nil
}
func (panicky) Invoke(context.Context, []arrow.Array, int) (arrow.Array, error) { panic("boom") }

func firstLine(err error) string { return strings.SplitN(err.Error(), "\n", 2)[0] }

// TestRunCancel: cancelling the context ends the job with
// context.Canceled, whatever operator is running, and leaves no goroutine
// behind.
func TestRunCancel(t *testing.T) {
	roots := []struct {
		name string
		root func(plan.Node) plan.Node
	}{
		{"scan", func(n plan.Node) plan.Node { return n }},
		{"filter-project", func(n plan.Node) plan.Node {
			f := must(plan.NewFilter(n, plan.NewBinary(plan.OpGe, plan.Col("v"), plan.Lit(0))))
			return must(plan.NewProject(f, &plan.Alias{Child: plan.NewBinary(plan.OpAdd, plan.Col("v"), plan.Lit(1)), Name: "w"}))
		}},
		{"repartition", func(n plan.Node) plan.Node { return must(plan.NewRepartition(n, 3)) }},
		{"hash-repartition", func(n plan.Node) plan.Node { return must(plan.NewRepartition(n, 3, plan.Col("v"))) }},
		{"sort", func(n plan.Node) plan.Node { return must(plan.NewSort(n, plan.SortOrder{Expr: plan.Col("v")})) }},
		{"aggregate", func(n plan.Node) plan.Node {
			return must(plan.NewAggregate(n, nil, []plan.AggExpr{{Func: plan.AggCount}}))
		}},
		{"limit", func(n plan.Node) plan.Node { return &plan.Limit{Input: n, N: 1 << 40} }},
		{"coalesce", func(n plan.Node) plan.Node { return &plan.Coalesce{Input: n, N: 1} }},
	}
	for _, r := range roots {
		t.Run(r.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			mem := checkedAlloc(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &scriptSource{parts: 3, batches: -1, rows: 5, before: func(_ context.Context, p, batch int) error {
				if p == 0 && batch == 20 {
					cancel()
				}
				return nil
			}}
			_, err := run(t, ctx, mem, 2, r.root(src.scan()))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run returned %v, want context.Canceled", err)
			}
			if src.opened.Load() != src.closed.Load() {
				t.Errorf("%d readers opened, %d closed", src.opened.Load(), src.closed.Load())
			}
		})
	}
	t.Run("before-start", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		mem := checkedAlloc(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		src := &scriptSource{parts: 3, batches: -1, rows: 5}
		if _, err := run(t, ctx, mem, 0, src.scan()); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	})
}

func TestRunMetrics(t *testing.T) {
	mem := checkedAlloc(t)
	src := &scriptSource{parts: 2, batches: 3, rows: 4}
	f := must(plan.NewFilter(src.scan(), plan.NewBinary(plan.OpLt, plan.NewBinary(plan.OpMod, plan.Col("v"), plan.Lit(2)), plan.Lit(1))))
	m, err := Local{Config: Config{Allocator: mem, Parallelism: 2}}.RunPlan(context.Background(), f, newCollectSink())
	if err != nil {
		t.Fatal(err)
	}
	if m.RowsRead != 24 || m.BatchesRead != 6 || m.RowsOutput != 12 || m.Partitions != 2 {
		t.Fatalf("metrics %+v", m)
	}
}
