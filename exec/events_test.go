package exec

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// eventRecorder keeps every event it is given, and the progress of the
// job as the first TaskEnd saw it.
type eventRecorder struct {
	mu     sync.Mutex
	events []Event
}

func (r *eventRecorder) OnEvent(e Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// checkEventOrder checks the contract of Listener on one job's events:
// JobStart first, JobEnd last, each stage started before its tasks and
// ended after all of them, each task started before it ended, and one
// TaskEnd per partition of every stage that ran.
func checkEventOrder(t *testing.T, events []Event) {
	t.Helper()
	if len(events) < 2 || events[0].Kind != JobStart || events[len(events)-1].Kind != JobEnd {
		t.Fatalf("events do not start with JobStart and end with JobEnd: %v", kinds(events))
	}
	partitions := map[int]int{}
	for _, s := range events[0].Stages {
		partitions[s.ID] = s.Partitions
	}
	stageStarted, stageEnded := map[int]bool{}, map[int]bool{}
	type task struct{ stage, partition int }
	taskStarted, taskEnded := map[task]bool{}, map[int]int{}
	for _, e := range events[1 : len(events)-1] {
		k := task{e.Stage, e.Partition}
		switch e.Kind {
		case StageStart:
			if stageStarted[e.Stage] {
				t.Errorf("stage %d started twice", e.Stage)
			}
			stageStarted[e.Stage] = true
		case TaskStart:
			if !stageStarted[e.Stage] || stageEnded[e.Stage] || taskStarted[k] {
				t.Errorf("task %v started out of order", k)
			}
			taskStarted[k] = true
		case TaskEnd:
			if !taskStarted[k] || e.Task == nil || e.Task.Stage != e.Stage || e.Task.Partition != e.Partition {
				t.Errorf("task %v ended out of order or without its metrics", k)
			}
			taskEnded[e.Stage]++
		case StageEnd:
			if taskEnded[e.Stage] != partitions[e.Stage] || e.StageTotals == nil {
				t.Errorf("stage %d ended after %d of its %d tasks", e.Stage, taskEnded[e.Stage], partitions[e.Stage])
			}
			stageEnded[e.Stage] = true
		default:
			t.Errorf("unexpected %s in the middle of a job", e.Kind)
		}
	}
	for id := range stageStarted {
		if !stageEnded[id] {
			t.Errorf("stage %d never ended", id)
		}
	}
}

func kinds(events []Event) []EventKind {
	var out []EventKind
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}

// TestEventsOfAJob runs a two-stage job (a repartition) and checks its
// events: their order, the stages of JobStart, the stage totals, the job's
// metrics, that the live view agrees at the end, and that events marshal.
func TestEventsOfAJob(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	scan := memScan(t, mem, schema, []string{`[{"s":"a"},{"s":"b"}]`, `[{"s":"c"}]`}, []string{`[{"s":"d"}]`}, nil)
	root, err := plan.NewRepartition(scan, 2)
	if err != nil {
		t.Fatal(err)
	}
	rec := &eventRecorder{}
	g, err := NewGraph(root, Config{Allocator: mem, Parallelism: 2, Listener: rec})
	if err != nil {
		t.Fatal(err)
	}
	sink := exectest.NewCollectSink()
	m, err := RunJob(context.Background(), Local{}, g, sink)
	if err != nil {
		t.Fatal(err)
	}
	events := rec.events
	checkEventOrder(t, events)
	start, end := events[0], events[len(events)-1]
	if len(start.Stages) != 2 || start.Stages[0].Partitions != 3 || start.Stages[1].Partitions != 2 ||
		start.Stages[1].Output != "result" || len(start.Stages[1].Inputs) != 1 || start.Plan == nil || start.Plan.Physical == "" || start.Live == nil {
		t.Fatalf("JobStart: %+v", start)
	}
	if end.Metrics == nil || end.Metrics.RowsRead != 4 || end.Metrics.RowsOutput != 4 || end.Metrics.Tasks != 5 || end.Error != "" {
		t.Fatalf("JobEnd: %+v, metrics %+v", end, end.Metrics)
	}
	if m.RowsOutput != 4 {
		t.Fatalf("RunJob metrics %+v", m)
	}
	var stageEnds int
	for _, e := range events {
		if e.Kind == StageEnd {
			stageEnds++
			tot := e.StageTotals
			if tot.ID == 0 && (tot.RowsRead != 4 || tot.BatchesRead != 3 || tot.BytesRead <= 0 || tot.RowsOutput != 4 || tot.TasksDone != 3) {
				t.Errorf("stage 0 totals %+v", tot)
			}
			if tot.ID == 1 && (tot.RowsRead != 0 || tot.RowsOutput != 4 || tot.TasksDone != 2) {
				t.Errorf("stage 1 totals %+v", tot)
			}
		}
	}
	if stageEnds != 2 {
		t.Fatalf("%d StageEnd events, want 2", stageEnds)
	}
	live := start.Live.Progress()
	if len(live.Stages) != 2 || !live.Stages[0].Done() || !live.Stages[1].Done() || live.Stages[0].RowsRead != 4 {
		t.Fatalf("live progress after the job: %+v", live)
	}
	for _, e := range events {
		if _, err := json.Marshal(e); err != nil {
			t.Fatalf("%s does not marshal: %v", e.Kind, err)
		}
	}
}

// TestEventsOfAFailedJob: the failing task's TaskEnd, its stage's StageEnd
// and the JobEnd carry the error.
func TestEventsOfAFailedJob(t *testing.T) {
	mem := exectest.CheckedAlloc(t)
	src := &exectest.ScriptSource{Parts: 1, Batches: 3, Rows: 2, Before: func(ctx context.Context, p, batch int) error {
		if batch == 1 {
			return exectest.ErrBoom
		}
		return nil
	}}
	rec := &eventRecorder{}
	g, err := NewGraph(src.Scan(), Config{Allocator: mem, Parallelism: 1, Listener: rec})
	if err != nil {
		t.Fatal(err)
	}
	_, err = RunJob(context.Background(), Local{}, g, exectest.NewCollectSink())
	if !errors.Is(err, exectest.ErrBoom) {
		t.Fatalf("RunJob: %v", err)
	}
	checkEventOrder(t, rec.events)
	failed := map[EventKind]bool{}
	for _, e := range rec.events {
		if e.Error != "" {
			failed[e.Kind] = true
		}
	}
	if !failed[TaskEnd] || !failed[StageEnd] || !failed[JobEnd] {
		t.Fatalf("events with an error: %v; want TaskEnd, StageEnd and JobEnd", failed)
	}
	if tot := rec.events[len(rec.events)-2].StageTotals; tot == nil || tot.TasksFailed != 1 {
		t.Fatalf("stage totals %+v", tot)
	}
}

// TestReportFailedJob: a job that fails before it runs is still a
// JobStart and a JobEnd with the error; with no listener nothing happens.
func TestReportFailedJob(t *testing.T) {
	rec := &eventRecorder{}
	ReportFailedJob(Config{Listener: rec}, errors.New("no such column"))
	ReportFailedJob(Config{}, errors.New("ignored"))
	if k := kinds(rec.events); len(k) != 2 || k[0] != JobStart || k[1] != JobEnd || rec.events[1].Error != "no such column" {
		t.Fatalf("events %v", rec.events)
	}
}
