package frame_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/creack/pty"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/progress"
)

// gatedDF is a DataFrame of parts one-batch partitions whose every batch
// waits for a token from gate, like a model call that takes its time —
// so that a test decides when each partition finishes.
func gatedDF(t *testing.T, sess *frame.Session, mem memory.Allocator, rows, parts int, gate <-chan struct{}) *frame.DataFrame {
	return batchesDF(t, sess, mem, rows, parts).MapBatches(people, func(ctx context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
		select {
		case <-gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		b.Retain()
		return b, nil
	})
}

// terminalOutput collects what a pseudo-terminal's master side reads.
type terminalOutput struct {
	chunks chan string
	text   strings.Builder
}

func readTerminal(master io.Reader) *terminalOutput {
	out := &terminalOutput{chunks: make(chan string, 64)}
	go func() {
		defer close(out.chunks)
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			if n > 0 {
				out.chunks <- string(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	return out
}

// waitFor reads until what the terminal showed matches re, and fails the
// test if it does not within a minute.
func (o *terminalOutput) waitFor(t *testing.T, re *regexp.Regexp) {
	t.Helper()
	deadline := time.After(time.Minute)
	for !re.MatchString(o.text.String()) {
		select {
		case chunk, ok := <-o.chunks:
			if !ok {
				t.Fatalf("the terminal closed before showing %q; it showed:\n%q", re, o.text.String())
			}
			o.text.WriteString(chunk)
		case <-deadline:
			t.Fatalf("the terminal did not show %q; it showed:\n%q", re, o.text.String())
		}
	}
}

// TestProgressOnTerminal runs a job under a pseudo-terminal: the display
// redraws in place (cursor up, erase) with the partitions done going up
// as the test lets each partition finish, and leaves a summary line.
func TestProgressOnTerminal(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	master, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	defer tty.Close()
	out := readTerminal(master)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(1),
		frame.WithProgress(progress.Options{Writer: tty, Interval: 20 * time.Millisecond}))
	defer sess.Close()
	const parts = 4
	gate := make(chan struct{})
	df := gatedDF(t, sess, mem, 400, parts, gate)
	type result struct {
		n   int64
		err error
	}
	done := make(chan result, 1)
	go func() {
		n, err := df.Count(context.Background())
		done <- result{n, err}
	}()
	out.waitFor(t, regexp.MustCompile(`Job 1 Count`))
	for i := 1; i < parts; i++ {
		gate <- struct{}{} // partition i-1's batch goes through; its task ends
		out.waitFor(t, regexp.MustCompile(fmt.Sprintf(`stage 1/1 \[[= ]+\] %d/%d partitions`, i, parts)))
	}
	gate <- struct{}{}
	out.waitFor(t, regexp.MustCompile(`Job 1 Count · 400 rows read, 400 rows out, 4 tasks in 1 stages, [^\r\n]+\r?\n`))
	if r := <-done; r.err != nil || r.n != 400 {
		t.Fatalf("Count = %d, %v", r.n, r.err)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	text := out.text.String()
	if !strings.Contains(text, "\x1b[J") || !regexp.MustCompile(`\x1b\[\d+A`).MatchString(text) {
		t.Errorf("the display did not redraw in place (no cursor-up and erase): %q", text)
	}
	// Partitions done never go down from one frame to the next, and every
	// count from 0 to 3 was shown.
	seen := map[int]bool{}
	last := -1
	for _, m := range regexp.MustCompile(`(\d+)/4 partitions`).FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		if n < last {
			t.Fatalf("partitions done went from %d down to %d in %q", last, n, text)
		}
		last = n
		seen[n] = true
	}
	for n := range parts - 1 {
		if !seen[n] {
			t.Errorf("no frame showed %d/4 partitions: %q", n, text)
		}
	}
	if i := strings.LastIndex(text, "Job 1 Count ·"); strings.Contains(text[i:], "partitions") {
		t.Errorf("the live display stayed after the summary: %q", text[i:])
	}
}

// TestProgressSilentWhenNotTerminal: with the default Auto mode, a pipe, a
// file or a buffer receives nothing; Always draws anyway.
func TestProgressSilentWhenNotTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	file, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	var buf, forced bytes.Buffer
	for _, opts := range []progress.Options{{Writer: w}, {Writer: file}, {Writer: &buf}, {Writer: &forced, Mode: progress.Always}} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		sess := frame.NewSession(frame.WithAllocator(mem), frame.WithProgress(opts))
		if _, err := batchesDF(t, sess, mem, 100, 3).Count(context.Background()); err != nil {
			t.Fatal(err)
		}
		if err := sess.Close(); err != nil {
			t.Fatal(err)
		}
		mem.AssertSize(t, 0)
	}
	w.Close()
	if piped, err := io.ReadAll(r); err != nil || len(piped) != 0 {
		t.Errorf("the pipe received %q (%v)", piped, err)
	}
	if info, err := file.Stat(); err != nil || info.Size() != 0 {
		t.Errorf("the file received %d bytes (%v)", info.Size(), err)
	}
	if buf.Len() != 0 {
		t.Errorf("the buffer received %q", buf.String())
	}
	if !strings.Contains(forced.String(), "Job 1 Count · 100 rows read") {
		t.Errorf("Always drew %q", forced.String())
	}
}
