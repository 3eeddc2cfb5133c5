package commit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// TestResumableWriteRecomputesOnlyWhatDidNotCommit: a named write job
// whose partition 3 fails leaves the other partitions' files recorded; the
// same write run again computes partition 3 alone and commits the same
// dataset an uninterrupted run does; a third run does nothing.
func TestResumableWriteRecomputesOnlyWhatDidNotCommit(t *testing.T) {
	for _, store := range []string{"local", "mem"} {
		t.Run(store, func(t *testing.T) {
			ctx := context.Background()
			dest, clean := filepath.Join(t.TempDir(), "out"), filepath.Join(t.TempDir(), "clean")
			if store == "mem" {
				dest, clean = "mem://resume/out", "mem://resume/clean"
				t.Cleanup(func() { storage.DropMemBucket("resume") })
			}
			const parts, rows = 6, 5
			fail := errors.New("the disk vanished")
			failing := true
			src := &exectest.ScriptSource{Parts: parts, Batches: 2, Rows: rows, Before: func(_ context.Context, p, batch int) error {
				if failing && p == 3 && batch == 1 {
					return fail
				}
				return nil
			}}
			write := func(dest, job string) (exec.Metrics, error) {
				mem := exectest.CheckedAlloc(t)
				w := &plan.Write{Input: src.Scan(), Format: exectest.LineFormat{}, Path: dest, Mode: plan.Overwrite, Job: job}
				return exec.Write(ctx, exec.Local{}, exec.Config{Allocator: mem, Parallelism: 2}, w)
			}
			if _, err := write(dest, "job-1"); !errors.Is(err, fail) {
				t.Fatalf("first run: %v, want the injected failure", err)
			}
			// The failure cancelled the tasks still running: count those
			// that committed before it.
			jc, err := commit.NewJobCommitter(&plan.Write{Input: src.Scan(), Format: exectest.LineFormat{}, Path: dest, Mode: plan.Overwrite}, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			left := 0
			for p := range parts {
				if done, err := jc.TaskRecorded(ctx, p); err != nil {
					t.Fatal(err)
				} else if !done {
					left++
				}
			}
			if left == parts || left == 0 {
				t.Fatalf("%d of %d tasks left after the failure; the test wants some committed and some not", left, parts)
			}
			failing = false
			m, err := write(dest, "job-1")
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(left * 2 * rows); m.RowsRead != want {
				t.Fatalf("the resumed run read %d rows, want %d (the %d tasks that had not committed)", m.RowsRead, want, left)
			}
			if _, err := write(clean, "job-1"); err != nil {
				t.Fatal(err)
			}
			if got, want := datasetOf(t, dest), datasetOf(t, clean); got != want {
				t.Fatalf("resumed dataset\n%s\nuninterrupted\n%s", got, want)
			}
			if m, err := write(dest, "job-1"); err != nil || m.RowsRead != 0 {
				t.Fatalf("a run after the commit read %d rows (%v), want none", m.RowsRead, err)
			}
			// Nothing of the job is left beside the destination.
			if store == "local" {
				entries, _ := os.ReadDir(filepath.Dir(dest))
				for _, e := range entries {
					if strings.Contains(e.Name(), "job-1") {
						t.Errorf("%s left behind", e.Name())
					}
				}
			} else if files, _ := storage.List(ctx, dest); len(files) != parts+1 {
				t.Errorf("the destination holds %d objects, want %d parts and the manifest", len(files), parts)
			}
		})
	}
}

// datasetOf renders a committed dataset: its files' names and contents,
// sorted, after its manifest's file list.
func datasetOf(t *testing.T, dir string) string {
	t.Helper()
	m, err := commit.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range m.Files {
		name := f.Name
		data, err := storage.ReadFile(context.Background(), storage.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(name + ":\n" + string(data))
	}
	return b.String()
}
