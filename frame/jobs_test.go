package frame_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
)

// TestConcurrentActionsKeepTheirOwnMetrics runs actions of different
// sizes concurrently in one session: each job is recorded with its own
// metrics (none overwrites another), ObserveJobs hands each action its own
// job, and job IDs are distinct.
func TestConcurrentActionsKeepTheirOwnMetrics(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(16, 0))
	defer sess.Close()
	sizes := []int{10, 200, 3000, 47}
	observed := make([]frame.Job, len(sizes))
	var wg sync.WaitGroup
	for i, n := range sizes {
		df := batchesDF(t, sess, mem, n, 2)
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := frame.ObserveJobs(context.Background(), func(j frame.Job) { observed[i] = j })
			if _, err := df.Count(ctx); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	ids := map[int64]bool{}
	for i, n := range sizes {
		j := observed[i]
		if j.Action != "Count" || j.Err != nil || j.Metrics.RowsRead != int64(n) || j.Metrics.RowsOutput != int64(n) {
			t.Errorf("job of %d rows observed as %+v", n, j)
		}
		if j.Finished.Before(j.Started) || ids[j.ID] {
			t.Errorf("job %d: bad times or a repeated ID", j.ID)
		}
		ids[j.ID] = true
	}
	jobs := sess.Jobs()
	if len(jobs) != len(sizes) {
		t.Fatalf("%d jobs recorded, want %d", len(jobs), len(sizes))
	}
	var read int64
	for _, j := range jobs {
		read += j.Metrics.RowsRead
	}
	if read != 10+200+3000+47 {
		t.Fatalf("the recorded jobs read %d rows in all", read)
	}
	if sess.LastMetrics().RowsRead != jobs[len(jobs)-1].Metrics.RowsRead {
		t.Fatal("LastMetrics is not the last finished job's")
	}
}

// TestFailedJobIsRecorded: a failed action is a job with its error.
func TestFailedJobIsRecorded(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(2, 0))
	defer sess.Close()
	_, err := batchesDF(t, sess, mem, 20, 3).MapBatches(people, explode).Count(context.Background())
	jobs := sess.Jobs()
	if err == nil || len(jobs) != 1 || jobs[0].Err != err {
		t.Fatalf("err %v, jobs %+v", err, jobs)
	}
}

// recordingRunner is a runner of its own: it records the graphs it gets
// and runs them on the local runner.
type recordingRunner struct {
	mu     sync.Mutex
	graphs []string
}

func (r *recordingRunner) Run(ctx context.Context, g *exec.Graph, sink exec.Sink) (exec.Metrics, error) {
	r.mu.Lock()
	r.graphs = append(r.graphs, g.Explain())
	r.mu.Unlock()
	return exec.Local{}.Run(ctx, g, sink)
}

// TestWithRunner: every action of a session, writes included, runs on
// the runner the session was given, which receives the stage graph.
func TestWithRunner(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	r := &recordingRunner{}
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithRunner(r))
	defer sess.Close()
	df := batchesDF(t, sess, mem, 100, 3)
	if n, err := df.GroupBy("name").Count().Count(context.Background()); err != nil || n != 100 {
		t.Fatalf("n = %d, err = %v", n, err)
	}
	if err := df.Repartition(2).Write().CSV(context.Background(), t.TempDir()+"/out"); err != nil {
		t.Fatal(err)
	}
	if len(r.graphs) != 2 {
		t.Fatalf("the runner ran %d jobs, want 2", len(r.graphs))
	}
	if !strings.Contains(r.graphs[0], "exchange 0: hash [name]") || !strings.Contains(r.graphs[1], "WriteFilesExec csv") {
		t.Fatalf("graphs:\n%s", strings.Join(r.graphs, "\n"))
	}
}
