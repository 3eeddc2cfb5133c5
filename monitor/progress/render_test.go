package progress

import (
	"strings"
	"testing"
	"time"

	"github.com/ember-df/ember/exec"
)

// TestStageLine: the ETA follows the bytes read when the input size is
// known, the tasks done otherwise, and a finished stage has none.
func TestStageLine(t *testing.T) {
	cases := []struct {
		name  string
		stage exec.StageProgress
		want  []string
	}{
		{"by bytes", exec.StageProgress{Partitions: 4, TasksRunning: 4, RowsRead: 500_000, BytesRead: 25 << 20, InputBytes: 100 << 20, Elapsed: 10 * time.Second},
			[]string{"[=====               ] 0/4 partitions (4 running)", "500.0k rows 25.0 MiB read", "50.0k rows/s", "ETA 30s"}},
		{"by tasks", exec.StageProgress{Partitions: 4, TasksDone: 1, TasksRunning: 1, RowsRead: 100, Elapsed: 2 * time.Second},
			[]string{"1/4 partitions (1 running)", "100 rows read", "50 rows/s", "ETA 6s"}},
		{"done", exec.StageProgress{Partitions: 2, TasksDone: 1, TasksFailed: 1, Elapsed: time.Second},
			[]string{"[====================] 1/2 partitions (1 failed)"}},
	}
	for _, c := range cases {
		line := stageLine(c.stage, 1)
		for _, w := range c.want {
			if !strings.Contains(line, w) {
				t.Errorf("%s: %q lacks %q", c.name, line, w)
			}
		}
		if c.name == "done" && strings.Contains(line, "ETA") {
			t.Errorf("%s: %q has an ETA", c.name, line)
		}
	}
}
