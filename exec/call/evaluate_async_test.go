package call_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

// slowNegate is a batch function computed ahead on workers: it negates
// int64s after a pause, counting how many batches run at once, and fails
// on the value failOn (when not 0).
type slowNegate struct {
	workers, rows int
	pause         time.Duration
	failOn        int64
	running, most atomic.Int32
	started       atomic.Int32
}

func (f *slowNegate) Name() string { return "slow_negate" }
func (f *slowNegate) Bind(args []arrow.Field) (arrow.DataType, error) {
	return arrow.PrimitiveTypes.Int64, nil
}
func (f *slowNegate) Batching() plan.Batching {
	return plan.Batching{Rows: f.rows, Workers: f.workers}
}
func (f *slowNegate) Open(context.Context, plan.JobEnv) (plan.BatchRunner, error) { return f, nil }
func (f *slowNegate) Close() error                                                { return nil }

func (f *slowNegate) Run(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
	f.started.Add(1)
	n := f.running.Add(1)
	defer f.running.Add(-1)
	for {
		m := f.most.Load()
		if n <= m || f.most.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(f.pause):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	in := args[0].(*array.Int64)
	b := array.NewInt64Builder(compute.GetAllocator(ctx))
	defer b.Release()
	for i := range rows {
		if f.failOn != 0 && in.Value(i) == f.failOn {
			return nil, fmt.Errorf("cannot negate %d", f.failOn)
		}
		b.Append(-in.Value(i))
	}
	return b.NewArray(), nil
}

// run runs root on the local runner.
func run(ctx context.Context, mem memory.Allocator, batchRows int, root plan.Node) (*exectest.CollectSink, error) {
	sink := exectest.NewCollectSink()
	_, err := exec.Local{Config: exec.Config{Allocator: mem, Parallelism: 2, BatchRows: batchRows}}.RunPlan(ctx, root, sink)
	return sink, err
}

func evaluateNode(t *testing.T, input plan.Node, fn plan.BatchFunction) plan.Node {
	t.Helper()
	ev, err := plan.NewEvaluate(input, &plan.BatchCall{Fn: fn, Args: []plan.Expr{plan.Col("v")}}, "neg")
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestEvaluateAheadKeepsOrderAndRunsBatchesAtOnce(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 2, Batches: 6, Rows: 10}
	fn := &slowNegate{workers: 3, rows: 4, pause: 5 * time.Millisecond}
	sink, err := run(context.Background(), mem, 10, evaluateNode(t, src.Scan(), fn))
	if err != nil {
		t.Fatal(err)
	}
	for p := range 2 {
		rows := sink.Rows[p]
		if len(rows) != 60 {
			t.Fatalf("partition %d: %d rows, want 60", p, len(rows))
		}
		for i, r := range rows {
			v := p*1000 + i
			if want := fmt.Sprintf("%d|%d", v, -v); r != want {
				t.Fatalf("partition %d row %d = %q, want %q (order kept)", p, i, r, want)
			}
		}
	}
	// 2 partitions × 3 workers; at least two batches of a partition must
	// have overlapped.
	if m := fn.most.Load(); m < 3 || m > 6 {
		t.Fatalf("at most %d batches ran at once, want between 3 and 6", m)
	}
	if n := src.Closed.Load(); n != 2 {
		t.Fatalf("%d scans closed, want 2", n)
	}
}

func TestEvaluateAheadIsBounded(t *testing.T) {
	// A consumer that stops: the producer may not run the whole input.
	defer goleak.VerifyNone(t)
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 1, Batches: -1, Rows: 4} // endless
	fn := &slowNegate{workers: 2, rows: 4, pause: time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sink := exectest.NewCollectSink()
	seen := 0
	sink.OnBatch = func(int, arrow.RecordBatch) error {
		seen++
		if seen == 3 {
			time.Sleep(50 * time.Millisecond) // a slow consumer
			cancel()
		}
		return nil
	}
	_, err := exec.Local{Config: exec.Config{Allocator: mem, Parallelism: 1, BatchRows: 4}}.RunPlan(ctx, evaluateNode(t, src.Scan(), fn), sink)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want cancellation", err)
	}
	// 3 consumed, 2 being computed, 2 queued, one waiting to be queued.
	if n := fn.started.Load(); n > 3+2+2+1 {
		t.Fatalf("%d batches started while the consumer took 3: no backpressure", n)
	}
}

func TestEvaluateAheadFailsWithTheBatch(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 2, Batches: 5, Rows: 10}
	fn := &slowNegate{workers: 2, rows: 5, pause: time.Millisecond, failOn: 1023}
	_, err := run(context.Background(), mem, 10, evaluateNode(t, src.Scan(), fn))
	if err == nil || !strings.Contains(err.Error(), "slow_negate in partition 1, rows 20–24") || !strings.Contains(err.Error(), "cannot negate 1023") {
		t.Fatalf("error %v, want one naming the function, partition, rows and cause", err)
	}
}

func TestEvaluateAheadUnderNullPolicy(t *testing.T) {
	defer goleak.VerifyNone(t)
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 1, Batches: 3, Rows: 4}
	fn := &slowNegate{workers: 2, rows: 4, failOn: 5}
	call := &plan.BatchCall{Fn: fn, Args: []plan.Expr{plan.Col("v")}, Options: plan.CallOptions{OnError: plan.SetNull, ErrorColumn: "err"}}
	ev, err := plan.NewEvaluate(src.Scan(), call, "neg")
	if err != nil {
		t.Fatal(err)
	}
	sink, err := run(context.Background(), mem, 4, ev)
	if err != nil {
		t.Fatal(err)
	}
	rows := sink.All()
	if len(rows) != 12 || rows[5] != "5|NULL|cannot negate 5" || rows[6] != "6|-6|NULL" {
		t.Fatalf("rows %v", rows)
	}
}
