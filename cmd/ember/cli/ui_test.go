package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/ui"
)

// TestUICommand: `ember ui DIR` serves the jobs of an event log until
// its context ends, then exits 0; a missing directory and a remote
// address without --allow-remote are usage errors.
func TestUICommand(t *testing.T) {
	logs := t.TempDir()
	sess := frame.NewSession(frame.WithEventLog(logs))
	if _, err := sess.Range(42).Count(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, w := io.Pipe()
	var stderr strings.Builder
	code := make(chan int, 1)
	go func() {
		code <- Main(ctx, []string{"ui", logs, "--addr", "127.0.0.1:0"}, w, &stderr)
		w.Close()
	}()
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("no address printed: %v (stderr %q)", err, stderr.String())
	}
	go io.Copy(io.Discard, out)
	url := line[strings.LastIndex(line, " ")+1 : len(line)-1]
	if !strings.HasPrefix(line, "ember ui: 1 jobs of "+logs+" on http://127.0.0.1:") {
		t.Errorf("printed %q", line)
	}
	resp, err := http.Get(url + "/api/jobs")
	if err != nil {
		t.Fatal(err)
	}
	var jobs []ui.JobSummary
	err = json.NewDecoder(resp.Body).Decode(&jobs)
	resp.Body.Close()
	if err != nil || len(jobs) != 1 || jobs[0].Description != "Count" || jobs[0].State != ui.StateSucceeded || jobs[0].Rows != 42 {
		t.Errorf("/api/jobs: %+v (%v)", jobs, err)
	}
	cancel()
	if c := <-code; c != ExitOK {
		t.Errorf("exit %d after the context ended, want 0 (stderr %q)", c, stderr.String())
	}

	for _, args := range [][]string{
		{"ui", filepath.Join(logs, "missing")},
		{"ui", logs, "--addr", "0.0.0.0:0"},
		{"ui"},
	} {
		var stdout, stderr strings.Builder
		if c := Main(context.Background(), args, &stdout, &stderr); c != ExitUsage || strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("ember %s: exit %d, stderr %q; want 2 and one line", strings.Join(args, " "), c, stderr.String())
		}
	}
}
