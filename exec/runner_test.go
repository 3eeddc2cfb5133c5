package exec

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

func TestRunCollects(t *testing.T) {
	for _, batchRows := range []int{1, 2, 7, 0} {
		mem := exectest.CheckedAlloc(t)
		src := &exectest.ScriptSource{Parts: 3, Batches: 2, Rows: 3}
		sink, err := run(t, context.Background(), mem, batchRows, src.Scan())
		if err != nil {
			t.Fatal(err)
		}
		got := sink.All()
		if len(got) != 18 || got[0] != "0" || got[6] != "1000" || got[17] != "2005" {
			t.Fatalf("rows %v", got)
		}
		for p := range 3 {
			if !sink.Finished[p] {
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
		mem := exectest.CheckedAlloc(t)
		src := &exectest.ScriptSource{Parts: 3, Batches: -1, Rows: 4, Before: func(ctx context.Context, p, batch int) error {
			if p == 1 && batch == 2 {
				return exectest.ErrBoom
			}
			if p != 1 {
				time.Sleep(100 * time.Microsecond) // keep producing until cancelled
			}
			return nil
		}}
		if parallelism == 1 {
			src.Batches = 5 // partition 0 must end for partition 1 to start
		}
		sink := exectest.NewCollectSink()
		_, err := Local{Config: Config{Allocator: mem, Parallelism: parallelism, BatchRows: 2}}.RunPlan(context.Background(), src.Scan(), sink)
		if !errors.Is(err, exectest.ErrBoom) {
			t.Fatalf("parallelism %d: Run returned %v, want %v", parallelism, err, exectest.ErrBoom)
		}
		if sink.Finished[1] {
			t.Errorf("parallelism %d: Done called for the failed partition", parallelism)
		}
		if parallelism == 1 && src.Opened.Load() != 2 {
			t.Errorf("parallelism 1: %d partitions opened after partition 1 failed, want 2", src.Opened.Load())
		}
		if src.Opened.Load() != src.Closed.Load() {
			t.Errorf("parallelism %d: %d readers opened, %d closed", parallelism, src.Opened.Load(), src.Closed.Load())
		}
	}
}

func TestRunSinkError(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 4, Batches: -1, Rows: 2}
	sink := exectest.NewCollectSink()
	sink.OnBatch = func(p int, _ arrow.RecordBatch) error {
		if p == 2 {
			return exectest.ErrBoom
		}
		return nil
	}
	_, err := Local{Config: Config{Allocator: mem, Parallelism: 4}}.RunPlan(context.Background(), src.Scan(), sink)
	if !errors.Is(err, exectest.ErrBoom) {
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
		root func(*exectest.ScriptSource) plan.Node
		src  *exectest.ScriptSource
		want []string // in the error message
	}{
		{"source", func(s *exectest.ScriptSource) plan.Node { return s.Scan() },
			&exectest.ScriptSource{Parts: 3, Batches: 3, Rows: 2, Before: panicAt(1)},
			[]string{"partition 1 panicked", "boom"}},
		{"source-below-exchange", func(s *exectest.ScriptSource) plan.Node { return exectest.Must(plan.NewRepartition(s.Scan(), 2)) },
			&exectest.ScriptSource{Parts: 3, Batches: 3, Rows: 2, Before: panicAt(2)},
			[]string{"partition 2 panicked", "boom"}},
		{"map-batches", func(s *exectest.ScriptSource) plan.Node {
			return &plan.MapBatches{Input: s.Scan(), Name: "fn", Fn: fnPanicsIn(1), OutSchema: exectest.IntSchema}
		}, &exectest.ScriptSource{Parts: 3, Batches: 3, Rows: 2},
			[]string{"MapBatches fn in partition 1 panicked", "boom"}},
		{"udf", func(s *exectest.ScriptSource) plan.Node {
			return exectest.Must(plan.NewProject(s.Scan(), &plan.Alias{Child: &plan.Call{Fn: panicky{}, Args: []plan.Expr{plan.Col("v")}}, Name: "x"}))
		}, &exectest.ScriptSource{Parts: 2, Batches: 3, Rows: 2},
			[]string{"function panicky in partition", "panicked", "boom"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			mem := exectest.CheckedAlloc(t)
			_, err := run(t, context.Background(), mem, 0, c.root(c.src))
			if err == nil {
				t.Fatal("Run succeeded")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", firstLine(err), w)
				}
			}
			// The message is one line; the stack travels in the error.
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("the error spans lines: %q", err)
			}
			var pe *plan.PanicError
			if !errors.As(err, &pe) || !strings.Contains(string(pe.Stack), "goroutine") {
				t.Errorf("error %q carries no stack (plan.PanicError)", err)
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
			f := exectest.Must(plan.NewFilter(n, plan.NewBinary(plan.OpGe, plan.Col("v"), plan.Lit(0))))
			return exectest.Must(plan.NewProject(f, &plan.Alias{Child: plan.NewBinary(plan.OpAdd, plan.Col("v"), plan.Lit(1)), Name: "w"}))
		}},
		{"repartition", func(n plan.Node) plan.Node { return exectest.Must(plan.NewRepartition(n, 3)) }},
		{"hash-repartition", func(n plan.Node) plan.Node { return exectest.Must(plan.NewRepartition(n, 3, plan.Col("v"))) }},
		{"sort", func(n plan.Node) plan.Node {
			return exectest.Must(plan.NewSort(n, plan.SortOrder{Expr: plan.Col("v")}))
		}},
		{"aggregate", func(n plan.Node) plan.Node {
			return exectest.Must(plan.NewAggregate(n, nil, []plan.AggExpr{{Func: plan.AggCount}}))
		}},
		{"limit", func(n plan.Node) plan.Node { return &plan.Limit{Input: n, N: 1 << 40} }},
		{"coalesce", func(n plan.Node) plan.Node { return &plan.Coalesce{Input: n, N: 1} }},
	}
	for _, r := range roots {
		t.Run(r.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			mem := exectest.CheckedAlloc(t)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			src := &exectest.ScriptSource{Parts: 3, Batches: -1, Rows: 5, Before: func(_ context.Context, p, batch int) error {
				if p == 0 && batch == 20 {
					cancel()
				}
				return nil
			}}
			_, err := run(t, ctx, mem, 2, r.root(src.Scan()))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run returned %v, want context.Canceled", err)
			}
			if src.Opened.Load() != src.Closed.Load() {
				t.Errorf("%d readers opened, %d closed", src.Opened.Load(), src.Closed.Load())
			}
		})
	}
	t.Run("before-start", func(t *testing.T) {
		defer goleak.VerifyNone(t)
		mem := exectest.CheckedAlloc(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		src := &exectest.ScriptSource{Parts: 3, Batches: -1, Rows: 5}
		if _, err := run(t, ctx, mem, 0, src.Scan()); !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v", err)
		}
	})
}

func TestRunMetrics(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 2, Batches: 3, Rows: 4}
	f := exectest.Must(plan.NewFilter(src.Scan(), plan.NewBinary(plan.OpLt, plan.NewBinary(plan.OpMod, plan.Col("v"), plan.Lit(2)), plan.Lit(1))))
	m, err := Local{Config: Config{Allocator: mem, Parallelism: 2}}.RunPlan(context.Background(), f, exectest.NewCollectSink())
	if err != nil {
		t.Fatal(err)
	}
	if m.RowsRead != 24 || m.BatchesRead != 6 || m.RowsOutput != 12 || m.Partitions != 2 {
		t.Fatalf("metrics %+v", m)
	}
}

// silent is a user-defined function that returns neither values nor an
// error.
type silent struct{}

func (silent) Name() string { return "silent" }
func (silent) ReturnType([]arrow.DataType) (arrow.DataType, error) {
	return arrow.PrimitiveTypes.Int64, nil
}
func (silent) Invoke(context.Context, []arrow.Array, int) (arrow.Array, error) { return nil, nil }

// TestFunctionReturningNothingSaysSo: (nil, nil) from a function used to
// be reported as a panic (a nil dereference in the engine).
func TestFunctionReturningNothingSaysSo(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 1, Batches: 1, Rows: 2}
	root := exectest.Must(plan.NewProject(src.Scan(), &plan.Alias{Child: &plan.Call{Fn: silent{}, Args: []plan.Expr{plan.Col("v")}}, Name: "x"}))
	_, err := run(t, context.Background(), mem, 0, root)
	if err == nil || !strings.Contains(err.Error(), "function silent in partition 0 returned neither values nor an error (nil, nil)") || strings.Contains(err.Error(), "panicked") {
		t.Fatalf("err = %v", err)
	}
}
