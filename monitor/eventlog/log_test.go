package eventlog_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/monitor/eventlog"
)

// writeJob writes one job's events (JobStart, a task per partition from
// concurrent goroutines, JobEnd) through l, as a job's tasks would.
func writeJob(l exec.Listener, job int64, partitions int) {
	l.OnEvent(exec.Event{Kind: exec.JobStart, Time: time.Now(), Job: job, Description: "Count", Stages: []exec.StageInfo{{ID: 0, Partitions: partitions, Output: "result"}}})
	var wg sync.WaitGroup
	for p := range partitions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.OnEvent(exec.Event{Kind: exec.TaskStart, Time: time.Now(), Job: job, Partition: p})
			l.OnEvent(exec.Event{Kind: exec.TaskEnd, Time: time.Now(), Job: job, Partition: p, Task: &exec.TaskMetrics{Partition: p, RowsRead: 10}})
		}()
	}
	wg.Wait()
	l.OnEvent(exec.Event{Kind: exec.JobEnd, Time: time.Now(), Job: job, Metrics: &exec.Metrics{RowsRead: int64(10 * partitions)}})
}

// TestLogWritesEveryEvent: events sent concurrently are all written, one
// line each, readable after Flush while the log is open.
func TestLogWritesEveryEvent(t *testing.T) {
	dir := t.TempDir()
	log, err := eventlog.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	writeJob(log, 1, 8)
	if err := log.Flush(); err != nil {
		t.Fatal(err)
	}
	events, err := eventlog.ReadFile(log.Path())
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 2+2*8 || events[0].Kind != exec.JobStart || events[len(events)-1].Kind != exec.JobEnd {
		t.Fatalf("%d events: %+v", len(events), events)
	}
	ends := map[int]bool{}
	for _, e := range events {
		if e.Kind == exec.TaskEnd {
			ends[e.Task.Partition] = e.Task.RowsRead == 10
		}
	}
	if len(ends) != 8 {
		t.Errorf("task ends %v", ends)
	}
	if err := log.Close(); err != nil {
		t.Fatal(err)
	}
	log.OnEvent(exec.Event{Kind: exec.JobStart, Job: 2}) // dropped after Close
	if again, err := eventlog.ReadFile(log.Path()); err != nil || len(again) != len(events) {
		t.Errorf("after Close: %d events, %v", len(again), err)
	}
}

// TestReplayTruncatedAndRenumbered: Replay reads the files of a directory
// in time order, renumbers each later session's jobs after the earlier
// ones', drops a last line cut short by a killed process, and fails on a
// broken line in the middle.
func TestReplayTruncatedAndRenumbered(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for range 2 {
		log, err := eventlog.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		writeJob(log, 1, 2)
		writeJob(log, 2, 2)
		if err := log.Close(); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, log.Path())
	}
	// The second process was killed while writing a line.
	f, err := os.OpenFile(paths[1], os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"event":"JobStart","time":"2026-12-07T05:`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if files, err := eventlog.Files(dir); err != nil || strings.Join(files, ",") != strings.Join(paths, ",") {
		t.Fatalf("Files = %v, %v; want %v", files, err, paths)
	}
	var got []string
	err = eventlog.Replay(dir, exec.ListenerFunc(func(e exec.Event) {
		if e.Kind == exec.JobStart || e.Kind == exec.JobEnd {
			got = append(got, fmt.Sprintf("%s %d", e.Kind, e.Job))
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	want := "JobStart 1,JobEnd 1,JobStart 2,JobEnd 2,JobStart 3,JobEnd 3,JobStart 4,JobEnd 4"
	if strings.Join(got, ",") != want {
		t.Errorf("replayed %v, want %s", got, want)
	}

	broken := filepath.Join(t.TempDir(), eventlog.FilePrefix+"broken"+eventlog.FileSuffix)
	if err := os.WriteFile(broken, []byte("{\"event\":\"JobStart\",\"job\":1}\nnot json\n{\"event\":\"JobEnd\",\"job\":1}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := eventlog.ReadFile(broken); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("a broken middle line: %v", err)
	}
}
