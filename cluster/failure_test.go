package cluster_test

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
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/cluster"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
)

// failAt is a registered function that fails on the row whose v is 333.
var failAt = udf.MustRegister(udf.NewScalar("cluster-test.fail-at-333", arrow.PrimitiveTypes.Int64,
	func(_ context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		v := args[0].(*array.Int64)
		for i := range rows {
			if v.Value(i) == 333 {
				return nil, fmt.Errorf("row v=333 is bad")
			}
		}
		v.Retain()
		return v, nil
	}, arrow.PrimitiveTypes.Int64))

// blocks is a registered function that says it started, through the
// current gate, and then waits for the gate's release — deaf to its
// context, so that only the Beam job's cancellation ends the job.
var blocks = udf.MustRegister(udf.NewScalar("cluster-test.block", arrow.PrimitiveTypes.Int64,
	func(_ context.Context, args []arrow.Array, _ int) (arrow.Array, error) {
		g := currentGate.Load()
		select {
		case g.started <- struct{}{}:
		default:
		}
		<-g.release
		args[0].Retain()
		return args[0], nil
	}, arrow.PrimitiveTypes.Int64))

type gate struct{ started, release chan struct{} }

var currentGate atomic.Pointer[gate]

// TestBeamReportsTheFirstError checks that a task's error reaches the
// driver as a *cluster.TaskError naming its stage and partition, and that
// the metrics of the tasks that ran come back with it.
func TestBeamReportsTheFirstError(t *testing.T) {
	dir := writeCSV(t, 3, 200, 7)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	var job cluster.Job
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2),
		frame.WithRunner(cluster.Beam(cluster.OnJob(func(j cluster.Job) { job = j }))))
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir).
		Repartition(3, "k").WithColumn("x", failAt.Call("v"))
	_, err := df.Collect(beamContext(t))
	var te *cluster.TaskError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want a *cluster.TaskError", err)
	}
	if te.Stage != 1 || !strings.Contains(err.Error(), "stage 1 partition") || !strings.Contains(err.Error(), "row v=333 is bad") ||
		!strings.Contains(err.Error(), "cluster-test.fail-at-333") {
		t.Fatalf("err = %v (stage %d partition %d), want stage 1 naming the function and the row", err, te.Stage, te.Partition)
	}
	if job.State != "FAILED" || job.Metrics.RowsRead != 600 {
		t.Fatalf("job %s, metrics %s", job.State, job.Metrics)
	}
}

// TestBeamCancel checks that cancelling the context cancels the Beam job:
// the task blocks deaf to its context, so only the job server's cancel
// ends the job.
func TestBeamCancel(t *testing.T) {
	dir := writeCSV(t, 2, 10, 3)
	g := &gate{started: make(chan struct{}, 1), release: make(chan struct{})}
	currentGate.Store(g)
	defer close(g.release) // the blocked tasks end; the job is gone already
	var job cluster.Job
	sess := frame.NewSession(frame.WithRunner(cluster.Beam(cluster.OnJob(func(j cluster.Job) { job = j }))))
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir).WithColumn("x", blocks.Call("v"))
	ctx, cancel := context.WithCancel(beamContext(t))
	done := make(chan error, 1)
	go func() {
		tbl, err := df.Collect(ctx)
		if err == nil {
			tbl.Release()
		}
		done <- err
	}()
	select {
	case <-g.started:
	case err := <-done:
		t.Fatalf("the job ended (%v) before its task started", err)
	}
	cancel()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("the job did not end within a minute of its cancel")
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if job.State != "CANCELLED" {
		t.Fatalf("job state %s, want CANCELLED", job.State)
	}
}

// TestBeamRefusesUnregistered checks that a function that is not
// registered cannot travel: the job is refused before submission, naming
// the function.
func TestBeamRefusesUnregistered(t *testing.T) {
	dir := writeCSV(t, 1, 3, 2)
	double := udf.NewScalar("cluster-test.unregistered-double", arrow.PrimitiveTypes.Int64,
		func(_ context.Context, args []arrow.Array, _ int) (arrow.Array, error) {
			args[0].Retain()
			return args[0], nil
		},
		arrow.PrimitiveTypes.Int64)
	var job cluster.Job
	sess := frame.NewSession(frame.WithRunner(cluster.Beam(cluster.OnJob(func(j cluster.Job) { job = j }))))
	defer sess.Close()
	_, err := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir).
		WithColumn("d", double.Call("v")).Collect(beamContext(t))
	if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), "cluster-test.unregistered-double") {
		t.Fatalf("err = %v, want plan.ErrNotPortable naming the function", err)
	}
	if job.BeamID != "" {
		t.Fatalf("the job was submitted (%s)", job.BeamID)
	}
	var _ exec.Runner = cluster.Beam()
}
