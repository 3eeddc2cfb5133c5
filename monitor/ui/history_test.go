package ui_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/ui"
)

// TestLoadHistory: the event logs of two sessions (frame.WithEventLog)
// read back into a Store show every job finished, numbered apart, with
// the stages, partitions, plan and model calls the live store showed.
func TestLoadHistory(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	logs := t.TempDir()
	ctx := context.Background()
	live := ui.NewStore(0)
	first := frame.NewSession(frame.WithAllocator(mem), frame.WithEventLog(logs), frame.WithListener(live), frame.WithParallelism(2))
	scoreIris(t, ctx, first, filepath.Join(t.TempDir(), "scored"))
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	second := frame.NewSession(frame.WithAllocator(mem), frame.WithEventLog(logs))
	if _, err := second.Range(10).Count(ctx); err != nil {
		t.Fatal(err)
	}
	// A job that fails: its destination is a file.
	if err := second.Range(3).Write().CSV(ctx, filepath.Join(logs, "no", "such", "\x00dir")); err == nil {
		t.Fatal("a write to an impossible path succeeded")
	}
	if err := second.Close(); err != nil {
		t.Fatal(err)
	}

	store, err := ui.LoadHistory(logs, 0)
	if err != nil {
		t.Fatal(err)
	}
	jobs := store.Jobs()
	if len(jobs) != 3 {
		t.Fatalf("%d jobs from the logs, want 3: %+v", len(jobs), jobs)
	}
	for i, want := range []struct {
		description, state string
		rows               int64
	}{{"Write csv", ui.StateSucceeded, 150}, {"Count", ui.StateSucceeded, 10}, {"Write csv", ui.StateFailed, 0}} {
		j := jobs[i]
		if j.ID != int64(i+1) || !strings.HasPrefix(j.Description, want.description) || j.State != want.state || j.Rows != want.rows || j.CompletionTime == nil {
			t.Errorf("job %d from the logs: %+v; want %q %s with %d rows", i+1, j, want.description, want.state, want.rows)
		}
	}
	if jobs[2].Error == "" {
		t.Error("the failed job's error is not shown")
	}
	replayed, _ := store.Job(1)
	original, _ := live.Job(1)
	if len(replayed.Stages) != len(original.Stages) || replayed.Plan != original.Plan || len(replayed.Models) != 1 {
		t.Fatalf("replayed job 1: %d stages, %d models, plan %+v; live: %d stages, plan %+v",
			len(replayed.Stages), len(replayed.Models), replayed.Plan, len(original.Stages), original.Plan)
	}
	for i, st := range replayed.Stages {
		o := original.Stages[i]
		if st.State != o.State || st.Rows != o.Rows || st.Bytes != o.Bytes || st.RowsOutput != o.RowsOutput || len(st.Partitions) != len(o.Partitions) {
			t.Errorf("stage %d replayed %+v, live %+v", i, st, o)
			continue
		}
		for p := range st.Partitions {
			if st.Partitions[p] != o.Partitions[p] {
				t.Errorf("stage %d partition %d replayed %+v, live %+v", i, p, st.Partitions[p], o.Partitions[p])
			}
		}
	}
	if m, o := replayed.Models[0], original.Models[0]; m.Rows != o.Rows || m.Latency.Count != o.Latency.Count || len(m.Latency.Buckets) != len(o.Latency.Buckets) {
		t.Errorf("replayed model %+v, live %+v", m, o)
	}

	// The pages render from the replayed store.
	srv := httptest.NewServer(store.Handler())
	defer srv.Close()
	var list []map[string]any
	getJSON(t, srv.URL+"/api/jobs", &list)
	if len(list) != 3 {
		t.Errorf("/api/jobs over the history: %d jobs", len(list))
	}

	if _, err := ui.LoadHistory(filepath.Join(logs, "missing"), 0); err == nil {
		t.Error("LoadHistory of a missing directory: no error")
	}
}
