package exec

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

// lineFormat writes one line per row, cells joined by commas.
type lineFormat struct {
	failWrite bool // every Write fails
}

func (lineFormat) Name() string      { return "lines" }
func (lineFormat) Extension() string { return "txt" }
func (f lineFormat) NewWriter(w io.Writer, _ *arrow.Schema) (plan.BatchWriter, error) {
	return &lineWriter{w: w, fail: f.failWrite}, nil
}

type lineWriter struct {
	w    io.Writer
	fail bool
}

func (l *lineWriter) Write(b arrow.RecordBatch) error {
	if l.fail {
		return errBoom
	}
	for _, row := range renderBatch(b) {
		if _, err := io.WriteString(l.w, row+"\n"); err != nil {
			return err
		}
	}
	return nil
}

func (l *lineWriter) Close() error { return nil }

var partName = regexp.MustCompile(`^part-(\d{5})-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.txt$`)

// output describes a written directory.
type output struct {
	parts   []string // part file names
	jobs    []string // distinct job ids in part names
	rows    []string // every line of every part, sorted
	success bool
	other   []string // anything else
}

func readOutput(t *testing.T, dir string) output {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out output
	for _, e := range entries {
		name := e.Name()
		m := partName.FindStringSubmatch(name)
		switch {
		case name == SuccessFile:
			out.success = true
		case m != nil:
			out.parts = append(out.parts, name)
			if !slices.Contains(out.jobs, m[2]) {
				out.jobs = append(out.jobs, m[2])
			}
			f, err := os.Open(filepath.Join(dir, name))
			if err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(f)
			for sc.Scan() {
				out.rows = append(out.rows, sc.Text())
			}
			f.Close()
		default:
			out.other = append(out.other, name)
		}
	}
	slices.Sort(out.rows)
	return out
}

// siblings lists the parent directory: staging directories must not stay.
func siblings(t *testing.T, parent string) []string {
	t.Helper()
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func writeJob(t *testing.T, ctx context.Context, src plan.Node, dest string, mode plan.SaveMode, format plan.FileFormat) (Metrics, error) {
	t.Helper()
	mem := checkedAlloc(t)
	w := &plan.Write{Input: src, Format: format, Path: dest, Mode: mode}
	return Write(ctx, Local{}, Config{Allocator: mem, Parallelism: 2, BatchRows: 2}, w)
}

// oldOutput writes a previous job's output into dest: two part files of
// another job, its _SUCCESS, and a stray file.
func oldOutput(t *testing.T, dest string) {
	t.Helper()
	if err := os.MkdirAll(dest, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"part-00000-00000000-0000-0000-0000-000000000000.txt": "old0\n",
		"part-00001-00000000-0000-0000-0000-000000000000.txt": "old1\n",
		SuccessFile: "",
		"notes.md":  "kept only by Append\n",
	} {
		if err := os.WriteFile(filepath.Join(dest, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
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
				oldOutput(t, dest)
			}
			src := &scriptSource{parts: 3, batches: 1, rows: 2}
			_, err := writeJob(t, context.Background(), src.scan(), dest, c.mode, lineFormat{})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("Write returned %v, want an error about %q", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if ran := src.opened.Load() > 0; ran != c.wantRun {
				t.Errorf("job ran: %v, want %v", ran, c.wantRun)
			}
			got := readOutput(t, dest)
			wantRows := c.wantRows
			if wantRows == nil {
				wantRows = []string{"old0", "old1"}
			}
			slices.Sort(wantRows)
			if !slices.Equal(got.rows, wantRows) {
				t.Errorf("rows %v, want %v", got.rows, wantRows)
			}
			if c.wantJobs > 0 && len(got.jobs) != c.wantJobs {
				t.Errorf("part files of %d jobs (%v), want %d", len(got.jobs), got.parts, c.wantJobs)
			}
			if !got.success {
				t.Error("no _SUCCESS")
			}
			if !slices.Equal(got.other, c.wantOther) {
				t.Errorf("other files %v, want %v", got.other, c.wantOther)
			}
			if names := siblings(t, parent); !slices.Equal(names, []string{"out"}) {
				t.Errorf("destination's parent holds %v, want only out", names)
			}
		})
	}
}

// TestWritePartNames: one part file per non-empty partition, named
// part-NNNNN-<job uuid>.<ext> with the partition number.
func TestWritePartNames(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out")
	src := &scriptSource{parts: 4, batches: 2, rows: 1, before: func(_ context.Context, p, _ int) error {
		if p == 2 {
			return io.EOF // partition 2 is empty
		}
		return nil
	}}
	if _, err := writeJob(t, context.Background(), src.scan(), dest, plan.ErrorIfExists, lineFormat{}); err != nil {
		t.Fatal(err)
	}
	got := readOutput(t, dest)
	var numbers []string
	for _, p := range got.parts {
		numbers = append(numbers, partName.FindStringSubmatch(p)[1])
	}
	if !slices.Equal(numbers, []string{"00000", "00001", "00003"}) || len(got.jobs) != 1 {
		t.Fatalf("part files %v", got.parts)
	}
	if _, err := os.Stat(filepath.Join(dest, "_temporary")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("_temporary left behind: %v", err)
	}
}

func TestWriteEmptyResult(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out")
	src := &scriptSource{parts: 3, batches: 0}
	if _, err := writeJob(t, context.Background(), src.scan(), dest, plan.ErrorIfExists, lineFormat{}); err != nil {
		t.Fatal(err)
	}
	got := readOutput(t, dest)
	if len(got.parts) != 1 || len(got.rows) != 0 || !got.success {
		t.Fatalf("empty result wrote %+v", got)
	}
}

// TestWriteFailureLeavesDestination: a failed or cancelled job leaves the
// destination as it was (absent or old) and no staging directory.
func TestWriteFailureLeavesDestination(t *testing.T) {
	failing := func() plan.Node {
		return (&scriptSource{parts: 3, batches: 3, rows: 2, before: func(_ context.Context, p, batch int) error {
			if p == 1 && batch == 2 {
				return errBoom
			}
			return nil
		}}).scan()
	}
	cases := []struct {
		name   string
		root   func() plan.Node
		format lineFormat
		cancel bool
		want   error
	}{
		{"source-fails", failing, lineFormat{}, false, errBoom},
		{"writer-fails", func() plan.Node { return (&scriptSource{parts: 2, batches: 1, rows: 1}).scan() }, lineFormat{failWrite: true}, false, errBoom},
		{"cancelled", func() plan.Node { return (&scriptSource{parts: 2, batches: -1, rows: 1}).scan() }, lineFormat{}, true, context.Canceled},
	}
	for _, c := range cases {
		for _, mode := range []plan.SaveMode{plan.ErrorIfExists, plan.Overwrite, plan.Append} {
			t.Run(fmt.Sprintf("%s/%s", c.name, mode), func(t *testing.T) {
				defer goleak.VerifyNone(t)
				parent := t.TempDir()
				dest := filepath.Join(parent, "out")
				exists := mode != plan.ErrorIfExists
				if exists {
					oldOutput(t, dest)
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
					if names := siblings(t, parent); len(names) != 0 {
						t.Fatalf("failed write left %v", names)
					}
					return
				}
				got := readOutput(t, dest)
				if !slices.Equal(got.rows, []string{"old0", "old1"}) || !got.success || !slices.Equal(got.other, []string{"notes.md"}) {
					t.Errorf("old output changed: %+v", got)
				}
				if names := siblings(t, parent); !slices.Equal(names, []string{"out"}) {
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
	oldOutput(t, dest)
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
				if m := partName.FindStringSubmatch(e.Name()); m != nil {
					jobs[m[2]] = true
				}
			}
			if len(jobs) > 1 {
				problems = append(problems, fmt.Sprintf("parts of %d jobs side by side", len(jobs)))
			}
		}
	}()
	for i := range 20 {
		src := &scriptSource{parts: 3, batches: 1, rows: 2}
		if _, err := writeJob(t, context.Background(), src.scan(), dest, plan.Overwrite, lineFormat{}); err != nil {
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
	got := readOutput(t, dest)
	if len(got.jobs) != 1 || len(got.rows) != 6 || len(got.other) != 0 || !got.success {
		t.Fatalf("final output %+v", got)
	}
	if names := siblings(t, parent); !slices.Equal(names, []string{"out"}) {
		t.Fatalf("destination's parent holds %v", names)
	}
}

// TestSwapPaths: the staged directory takes the destination's place and
// the old data ends up at the staging path.
func TestSwapPaths(t *testing.T) {
	parent := t.TempDir()
	dest := filepath.Join(parent, "out")
	staging := filepath.Join(parent, ".out.staging")
	oldOutput(t, dest)
	if err := os.MkdirAll(staging, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(staging, "new.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := swapPaths(staging, dest); err != nil {
		t.Fatal(err)
	}
	if names := siblings(t, dest); !slices.Equal(names, []string{"new.txt"}) {
		t.Fatalf("destination holds %v", names)
	}
	if got := readOutput(t, staging); !got.success {
		t.Fatalf("the old data is not at the staging path: %+v", got)
	}
}
