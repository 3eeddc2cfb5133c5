package progress

import (
	"fmt"
	"strings"
	"time"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/internal/bytesize"
)

// barWidth is the width of a stage's bar, in cells.
const barWidth = 20

// jobLines renders a running job: a line naming it, one per stage, one
// per model call.
func jobLines(v *jobView, p exec.Progress, now time.Time) []string {
	lines := []string{fmt.Sprintf("Job %d %s  %s", v.job, v.description, formatDuration(now.Sub(v.start)))}
	for _, s := range p.Stages {
		lines = append(lines, stageLine(s, len(p.Stages)))
	}
	for _, u := range p.UDFs {
		lines = append(lines, fmt.Sprintf("  model %s AS %s: %s rows in %s batches, %s failed rows",
			u.Function, u.Column, count(u.Rows), count(u.Batches), count(u.FailedRows)))
	}
	return lines
}

// stageLine renders one stage: its bar, partitions done/total, rows and
// bytes read, rows per second and an ETA.
func stageLine(s exec.StageProgress, stages int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  stage %d/%d %s %d/%d partitions", s.ID+1, stages, bar(s), s.TasksDone, s.Partitions)
	if s.TasksRunning > 0 {
		fmt.Fprintf(&b, " (%d running)", s.TasksRunning)
	}
	if s.TasksFailed > 0 {
		fmt.Fprintf(&b, " (%d failed)", s.TasksFailed)
	}
	fmt.Fprintf(&b, " · %s rows", count(s.RowsRead))
	if s.BytesRead > 0 {
		fmt.Fprintf(&b, " %s", bytesize.Format(s.BytesRead))
	}
	b.WriteString(" read")
	if secs := s.Elapsed.Seconds(); secs > 0 && s.RowsRead > 0 {
		fmt.Fprintf(&b, " · %s rows/s", count(int64(float64(s.RowsRead)/secs)))
	}
	if eta, ok := estimate(s); ok {
		fmt.Fprintf(&b, " · ETA %s", formatDuration(eta))
	}
	return b.String()
}

// fraction is how much of the stage is done: by bytes when its input size
// is known and its scans count bytes, else by tasks.
func fraction(s exec.StageProgress) float64 {
	if s.Done() {
		return 1
	}
	if s.InputBytes > 0 && s.BytesRead > 0 {
		return min(float64(s.BytesRead)/float64(s.InputBytes), 1)
	}
	if s.Partitions == 0 {
		return 0
	}
	return float64(s.TasksDone+s.TasksFailed) / float64(s.Partitions)
}

// estimate is the time the stage still needs at the pace it has kept, when
// it has started and made progress.
func estimate(s exec.StageProgress) (time.Duration, bool) {
	f := fraction(s)
	if s.Done() || f <= 0 || s.Elapsed <= 0 {
		return 0, false
	}
	return time.Duration(float64(s.Elapsed) * (1 - f) / f), true
}

func bar(s exec.StageProgress) string {
	filled := int(fraction(s) * barWidth)
	return "[" + strings.Repeat("=", filled) + strings.Repeat(" ", barWidth-filled) + "]"
}

// summary is the line a job leaves when it ends.
func summary(v *jobView, e exec.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Job %d %s", v.job, v.description)
	if e.Error != "" {
		fmt.Fprintf(&b, " failed: %s", firstLine(e.Error))
	}
	if m := e.Metrics; m != nil {
		fmt.Fprintf(&b, " · %s rows read, %s rows out, %d tasks in %d stages, %s", count(m.RowsRead), count(m.RowsOutput), m.Tasks, m.Stages, formatDuration(m.Elapsed))
		if secs := m.Elapsed.Seconds(); secs > 0 && m.RowsRead > 0 {
			fmt.Fprintf(&b, " (%s rows/s)", count(int64(float64(m.RowsRead)/secs)))
		}
		for _, u := range m.UDFs {
			fmt.Fprintf(&b, " · model %s: %s batches, %s failed rows", u.Function, count(u.Batches), count(u.FailedRows))
		}
		if m.SpilledBytes > 0 {
			fmt.Fprintf(&b, " · spilled %s", bytesize.Format(m.SpilledBytes))
		}
	}
	return b.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " …"
	}
	return s
}

// count writes n with a metric suffix (1.2M).
func count(n int64) string {
	switch {
	case n >= 1e9:
		return fmt.Sprintf("%.1fG", float64(n)/1e9)
	case n >= 1e6:
		return fmt.Sprintf("%.1fM", float64(n)/1e6)
	case n >= 1e4:
		return fmt.Sprintf("%.1fk", float64(n)/1e3)
	}
	return fmt.Sprint(n)
}

func formatDuration(d time.Duration) string {
	switch {
	case d >= time.Minute:
		return d.Round(time.Second).String()
	case d >= time.Second:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Millisecond).String()
}
