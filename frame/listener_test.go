package frame_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
)

// recordEvents is a listener that keeps every event.
type recordEvents struct {
	mu     sync.Mutex
	events []exec.Event
}

func (r *recordEvents) OnEvent(e exec.Event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

// byJob groups the events by job number, in order.
func (r *recordEvents) byJob() map[int64][]exec.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[int64][]exec.Event{}
	for _, e := range r.events {
		out[e.Job] = append(out[e.Job], e)
	}
	return out
}

// TestListenerSeesEveryAction: a session's listener gets the events of
// each action, stamped with the job's number and action; JobStart carries
// the logical plan as built; a write that is refused before it runs is a
// failed job too.
func TestListenerSeesEveryAction(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := &recordEvents{}
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithListener(rec))
	defer sess.Close()
	ctx := context.Background()
	df := batchesDF(t, sess, mem, 100, 3)
	if _, err := df.Count(ctx); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "out")
	if err := df.Write().CSV(ctx, out); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := df.Write().Mode(frame.Overwrite).CSV(ctx, file); err == nil {
		t.Fatal("overwriting a regular file succeeded")
	}
	jobs := rec.byJob()
	if len(jobs) != 3 {
		t.Fatalf("events of %d jobs, want 3", len(jobs))
	}
	for id, want := range map[int64]string{1: "Count", 2: "Write csv " + out, 3: "Write csv " + file} {
		events := jobs[id]
		first, last := events[0], events[len(events)-1]
		if first.Kind != exec.JobStart || last.Kind != exec.JobEnd || first.Description != want || last.Description != want {
			t.Errorf("job %d: %s %q … %s %q, want JobStart … JobEnd of %q", id, first.Kind, first.Description, last.Kind, last.Description, want)
		}
	}
	count := jobs[1][0]
	if count.Plan == nil || !strings.Contains(count.Plan.Logical, "Project") || count.Plan.Physical == "" {
		t.Errorf("Count's plan: %+v", count.Plan)
	}
	if end := jobs[1][len(jobs[1])-1]; end.Metrics == nil || end.Metrics.RowsRead != 100 || end.Error != "" {
		t.Errorf("Count's JobEnd: %+v", end)
	}
	if end := jobs[3][len(jobs[3])-1]; end.Error == "" {
		t.Errorf("the refused write's JobEnd has no error")
	}
}
