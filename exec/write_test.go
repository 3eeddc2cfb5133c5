package exec

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

func writeJob(t *testing.T, ctx context.Context, src plan.Node, dest string, mode plan.SaveMode, format plan.FileFormat) (Metrics, error) {
	t.Helper()
	mem := exectest.CheckedAlloc(t)
	w := &plan.Write{Input: src, Format: format, Path: dest, Mode: mode}
	return Write(ctx, Local{}, Config{Allocator: mem, Parallelism: 2, BatchRows: 2}, w)
}

func TestWriteModes(t *testing.T) {
	newRows := []string{"0", "1", "1000", "1001", "2000", "2001"}
	cases := []struct {
		name      string
		exists    bool
		mode      plan.SaveMode
		wantErr   string   // in the error, when the write must fail
		wantRows  []string // nil: the old output, untouched
		wantJobs  int
		wantOther []string
		wantRun   bool
	}{
		{name: "new", mode: plan.ErrorIfExists, wantRows: newRows, wantJobs: 1, wantRun: true},
		{name: "new-overwrite", mode: plan.Overwrite, wantRows: newRows, wantJobs: 1, wantRun: true},
		{name: "new-append", mode: plan.Append, wantRows: newRows, wantJobs: 1, wantRun: true},
		{name: "new-ignore", mode: plan.Ignore, wantRows: newRows, wantJobs: 1, wantRun: true},
		{name: "error-if-exists", exists: true, mode: plan.ErrorIfExists, wantErr: "already exists", wantOther: []string{"notes.md"}},
		{name: "ignore", exists: true, mode: plan.Ignore, wantOther: []string{"notes.md"}},
		{name: "overwrite", exists: true, mode: plan.Overwrite, wantRows: newRows, wantJobs: 1, wantRun: true},
		{name: "append", exists: true, mode: plan.Append, wantRows: append([]string{"old0", "old1"}, newRows...), wantJobs: 2,
			wantOther: []string{"notes.md"}, wantRun: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer goleak.VerifyNone(t)
			parent := t.TempDir()
			dest := filepath.Join(parent, "out")
			if c.exists {
				exectest.OldOutput(t, dest)
			}
			src := &exectest.ScriptSource{Parts: 3, Batches: 1, Rows: 2}
			_, err := writeJob(t, context.Background(), src.Scan(), dest, c.mode, exectest.LineFormat{})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Write returned %v, want an error about %q", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if ran := src.Opened.Load() > 0; ran != c.wantRun {
				t.Errorf("job ran: %v, want %v", ran, c.wantRun)
			}
			got := exectest.ReadOutput(t, dest)
			wantRows := c.wantRows
			if wantRows == nil {
				wantRows = []string{"old0", "old1"}
			}
			slices.Sort(wantRows)
			if !slices.Equal(got.Rows, wantRows) {
				t.Errorf("rows %v, want %v", got.Rows, wantRows)
			}
			if c.wantJobs > 0 && len(got.Jobs) != c.wantJobs {
				t.Errorf("part files of %d jobs (%v), want %d", len(got.Jobs), got.Parts, c.wantJobs)
			}
			if !got.Success {
				t.Error("no _SUCCESS")
			}
			if !slices.Equal(got.Other, c.wantOther) {
				t.Errorf("other files %v, want %v", got.Other, c.wantOther)
			}
			if names := exectest.Siblings(t, parent); !slices.Equal(names, []string{"out"}) {
				t.Errorf("destination's parent holds %v, want only out", names)
			}
		})
	}
}

// TestWritePartNames: one part file per non-empty partition, named
// part-NNNNN-<job uuid>.<ext> with the partition number.
func TestWritePartNames(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out")
	src := &exectest.ScriptSource{Parts: 4, Batches: 2, Rows: 1, Before: func(_ context.Context, p, _ int) error {
		if p == 2 {
			return io.EOF // partition 2 is empty
		}
		return nil
	}}
	if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	got := exectest.ReadOutput(t, dest)
	var numbers []string
	for _, p := range got.Parts {
		numbers = append(numbers, exectest.PartName.FindStringSubmatch(p)[1])
	}
	if !slices.Equal(numbers, []string{"00000", "00001", "00003"}) || len(got.Jobs) != 1 {
		t.Fatalf("part files %v", got.Parts)
	}
	if _, err := os.Stat(filepath.Join(dest, "_temporary")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("_temporary left behind: %v", err)
	}
}

func TestWriteEmptyResult(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out")
	src := &exectest.ScriptSource{Parts: 3, Batches: 0}
	if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	got := exectest.ReadOutput(t, dest)
	if len(got.Parts) != 1 || len(got.Rows) != 0 || !got.Success {
		t.Fatalf("empty result wrote %+v", got)
	}
}

// TestWriteFailureLeavesDestination: a failed or cancelled job leaves the
// destination as it was (absent or old) and no staging directory.
func TestWriteFailureLeavesDestination(t *testing.T) {
	failing := func() plan.Node {
		return (&exectest.ScriptSource{Parts: 3, Batches: 3, Rows: 2, Before: func(_ context.Context, p, batch int) error {
			if p == 1 && batch == 2 {
				return exectest.ErrBoom
			}
			return nil
		}}).Scan()
	}
	cases := []struct {
		name   string
		root   func() plan.Node
		format exectest.LineFormat
		cancel bool
		want   error
	}{
		{"source-fails", failing, exectest.LineFormat{}, false, exectest.ErrBoom},
		{"writer-fails", func() plan.Node { return (&exectest.ScriptSource{Parts: 2, Batches: 1, Rows: 1}).Scan() }, exectest.LineFormat{FailWrite: true}, false, exectest.ErrBoom},
		{"cancelled", func() plan.Node { return (&exectest.ScriptSource{Parts: 2, Batches: -1, Rows: 1}).Scan() }, exectest.LineFormat{}, true, context.Canceled},
	}
	for _, c := range cases {
		for _, mode := range []plan.SaveMode{plan.ErrorIfExists, plan.Overwrite, plan.Append} {
			t.Run(fmt.Sprintf("%s/%s", c.name, mode), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				parent := t.TempDir()
				dest := filepath.Join(parent, "out")
				exists := mode != plan.ErrorIfExists
				if exists {
					exectest.OldOutput(t, dest)
				}
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				if c.cancel {
					go cancel()
				}
				_, err := writeJob(t, ctx, c.root(), dest, mode, c.format)
				if !errors.Is(err, c.want) {
					t.Fatalf("Write returned %v, want %v", err, c.want)
				}
				if !exists {
					if names := exectest.Siblings(t, parent); len(names) != 0 {
						t.Fatalf("failed write left %v", names)
					}
					return
				}
				got := exectest.ReadOutput(t, dest)
				if !slices.Equal(got.Rows, []string{"old0", "old1"}) || !got.Success || !slices.Equal(got.Other, []string{"notes.md"}) {
					t.Errorf("old output changed: %+v", got)
				}
				if names := exectest.Siblings(t, parent); !slices.Equal(names, []string{"out"}) {
					t.Errorf("destination's parent holds %v", names)
				}
			})
		}
	}
}

// TestWriteOverwriteIsAtomic: while overwrites follow one another, a
// reader polling the destination always finds it, and never finds the
// part files of two jobs side by side (on Linux the swap is
// renameat2(RENAME_EXCHANGE); the fallback would leave a moment with no
// destination).
func TestWriteOverwriteIsAtomic(t *testing.T) {
	parent := t.TempDir()
	dest := filepath.Join(parent, "out")
	exectest.OldOutput(t, dest)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var problems []string
	var polls int
	wg.Add(1)
	go func() {
		defer wg.Done()
		for !stop.Load() {
			polls++
			d, err := os.Open(dest)
			if err != nil {
				problems = append(problems, "opening: "+err.Error())
				continue
			}
			entries, err := d.ReadDir(-1)
			d.Close()
			if err != nil {
				// The directory opened was swapped out and removed while
				// being listed: the reader held the old dataset, then lost
				// it, which every scheme that deletes old data allows.
				continue
			}
			jobs := map[string]bool{}
			for _, e := range entries {
				if m := exectest.PartName.FindStringSubmatch(e.Name()); m != nil {
					jobs[m[2]] = true
				}
			}
			if len(jobs) > 1 {
				problems = append(problems, fmt.Sprintf("parts of %d jobs side by side", len(jobs)))
			}
		}
	}()
	for i := range 20 {
		src := &exectest.ScriptSource{Parts: 3, Batches: 1, Rows: 2}
		if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.Overwrite, exectest.LineFormat{}); err != nil {
			stop.Store(true)
			wg.Wait()
			t.Fatalf("overwrite %d: %v", i, err)
		}
	}
	stop.Store(true)
	wg.Wait()
	if len(problems) > 0 {
		t.Fatalf("%d of %d polls saw a broken destination, first: %s", len(problems), polls, problems[0])
	}
	got := exectest.ReadOutput(t, dest)
	if len(got.Jobs) != 1 || len(got.Rows) != 6 || len(got.Other) != 0 || !got.Success {
		t.Fatalf("final output %+v", got)
	}
	if names := exectest.Siblings(t, parent); !slices.Equal(names, []string{"out"}) {
		t.Fatalf("destination's parent holds %v", names)
	}
}
