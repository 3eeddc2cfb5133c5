package cli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creack/pty"
)

// TestProgressOnTerminal: with stderr a terminal, ember draws its job's
// progress there by default and leaves the job's summary; stdout keeps
// the result alone.
func TestProgressOnTerminal(t *testing.T) {
	dir := fixtures(t)
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	var screen bytes.Buffer
	read := make(chan struct{})
	go func() {
		io.Copy(&screen, master) // ends with EIO once no process holds the terminal
		close(read)
	}()
	cmd := exec.Command(binary, "count", "people.csv")
	cmd.Dir = dir
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, tty
	err = cmd.Run()
	tty.Close()
	if err != nil {
		t.Fatal(err)
	}
	<-read
	if stdout.String() != "5\n" {
		t.Errorf("stdout %q, want \"5\\n\"", stdout.String())
	}
	if !regexp.MustCompile(`Job 1 Count · 5 rows read, 5 rows out, 1 tasks in 1 stages`).MatchString(screen.String()) {
		t.Errorf("the terminal shows no summary of the job: %q", screen.String())
	}
}

// TestProgressFlag: --progress=always draws into a pipe too; never and
// the default (auto, stderr a pipe) draw nothing.
func TestProgressFlag(t *testing.T) {
	dir := fixtures(t)
	for _, tc := range []struct {
		flags   []string
		summary bool
	}{
		{nil, false},
		{[]string{"--progress=never"}, false},
		{[]string{"--progress", "always"}, true},
	} {
		cmd := exec.Command(binary, append([]string{"count", "people.csv"}, tc.flags...)...)
		cmd.Dir = dir
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("%v: %v: %s", tc.flags, err, stderr.String())
		}
		if stdout.String() != "5\n" {
			t.Errorf("%v: stdout %q, want \"5\\n\"", tc.flags, stdout.String())
		}
		if got := strings.Contains(stderr.String(), "Job 1 Count · 5 rows read"); got != tc.summary {
			t.Errorf("%v: stderr %q: summary %v, want %v", tc.flags, stderr.String(), got, tc.summary)
		}
	}
}

// TestEventLog: --event-log DIR leaves the command's job events in a new
// file of JSON lines there.
func TestEventLog(t *testing.T) {
	dir := fixtures(t)
	logs := filepath.Join(t.TempDir(), "events")
	cmd := exec.Command(binary, "count", "people.csv", "--event-log", logs)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil || string(out) != "5\n" {
		t.Fatalf("%v: %q", err, out)
	}
	files, err := os.ReadDir(logs)
	if err != nil || len(files) != 1 {
		t.Fatalf("want one event log in %s, got %v (%v)", logs, files, err)
	}
	data, err := os.ReadFile(filepath.Join(logs, files[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	for _, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Fatalf("not a JSON line: %q", line)
		}
	}
	if len(lines) < 2 || !strings.Contains(string(data), "Count") {
		t.Errorf("the log holds no Count job's start and end: %s", data)
	}
}

// TestUIFlag: --ui=ADDR serves the web UI while the command runs and says
// where on one line of stderr, leaving stdout to the result; a
// non-loopback address is a usage error (the UI has no authentication).
func TestUIFlag(t *testing.T) {
	dir := fixtures(t)
	for _, c := range []struct {
		addr, stdout, stderr string
		code                 int
	}{
		{"127.0.0.1:0", "5\n", "ember: web UI at http://127.0.0.1:", 0},
		{"0.0.0.0:0", "", "ember: --ui=0.0.0.0:0: ui: refusing to serve on a non-loopback address", 2},
	} {
		cmd := exec.Command(binary, "count", "people.csv", "--progress=never", "--ui="+c.addr)
		cmd.Dir = dir
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		_ = cmd.Run()
		if code := cmd.ProcessState.ExitCode(); code != c.code || stdout.String() != c.stdout || !strings.HasPrefix(stderr.String(), c.stderr) ||
			strings.Count(stderr.String(), "\n") != 1 {
			t.Errorf("--ui=%s: exit %d, stdout %q, stderr %q", c.addr, code, stdout.String(), stderr.String())
		}
	}
}
