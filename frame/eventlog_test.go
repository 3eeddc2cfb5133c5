package frame_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/eventlog"
)

// TestEventLogRoundTrip: the events of real jobs (a shuffle, a write that
// fails) written by WithEventLog read back equal to those a listener of
// the same session saw, the live view aside.
func TestEventLogRoundTrip(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := filepath.Join(t.TempDir(), "events")
	rec := &recordEvents{}
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithEventLog(dir), frame.WithListener(rec))
	ctx := context.Background()
	df := batchesDF(t, sess, mem, 300, 3)
	counts, err := df.GroupBy("dept").Count().Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts.Release()
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("mine"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := df.Write().Mode(frame.Overwrite).CSV(ctx, file); err == nil {
		t.Fatal("overwriting a regular file succeeded")
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	files, err := eventlog.Files(dir)
	if err != nil || len(files) != 1 {
		t.Fatalf("log files %v, %v; want one", files, err)
	}
	var got []exec.Event
	if err := eventlog.Replay(dir, exec.ListenerFunc(func(e exec.Event) { got = append(got, e) })); err != nil {
		t.Fatal(err)
	}
	rec.mu.Lock()
	want := rec.events
	rec.mu.Unlock()
	// Tasks run concurrently and reach the two listeners one after the
	// other, so the two may order concurrent events differently: compare
	// them as sets of JSON lines.
	if g, w := eventLines(t, got), eventLines(t, want); !reflect.DeepEqual(g, w) {
		t.Fatalf("read back\n%s\nwant\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	if first, last := got[0], got[len(got)-1]; first.Kind != exec.JobStart || first.Plan == nil || first.Plan.Logical == "" || len(first.Stages) < 2 || last.Kind != exec.JobEnd || last.Error == "" || last.Job != 2 {
		t.Errorf("first %+v, last %+v", first, last)
	}
}

// eventLines are the events as JSON lines, sorted.
func eventLines(t *testing.T, events []exec.Event) []string {
	t.Helper()
	lines := make([]string, len(events))
	for i, e := range events {
		b, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		lines[i] = string(b)
	}
	sort.Strings(lines)
	return lines
}
