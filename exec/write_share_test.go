package exec

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// readDataset returns the sorted lines of the files dest's manifest lists,
// and the manifest's job.
func readDataset(t *testing.T, dest string) ([]string, string) {
	t.Helper()
	m, err := commit.ReadManifest(dest)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, f := range m.Files {
		data, err := storage.ReadFile(context.Background(), storage.Join(dest, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		lines = append(lines, strings.Split(strings.TrimSpace(string(data)), "\n")...)
	}
	slices.Sort(lines)
	return lines, m.Job
}

// TestWriteShares runs a map-only write job as three shares, out of order,
// one of them twice, then commits it: the dataset equals the local
// runner's, with no duplicate, on local disk and on a store without
// rename; the job id names the files; a share or commit run after the
// commit does nothing; the job's records and staging are gone.
func TestWriteShares(t *testing.T) {
	t.Cleanup(func() { storage.DropMemBucket("shares") })
	format := csvio.Format{Options: csvio.DefaultOptions()}
	write := func(dest string) *plan.Write {
		scan := &plan.Scan{Source: &genSource{Parts: 7, Rows: 20, Keys: 5}}
		return &plan.Write{Input: scan, Format: format, Path: dest, Mode: plan.Overwrite}
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	cfg := Config{Allocator: mem, Parallelism: 2}
	ctx := context.Background()

	local := t.TempDir() + "/local"
	if _, err := Write(ctx, Local{}, cfg, write(local)); err != nil {
		t.Fatal(err)
	}
	want, _ := readDataset(t, local)
	if len(want) != 7*20 {
		t.Fatalf("the local runner wrote %d lines", len(want))
	}
	for _, dest := range []string{t.TempDir() + "/shares", "mem://shares/out"} {
		t.Run(dest[:3], func(t *testing.T) {
			const job = "0f4c2a9e-job"
			for name, body := range map[string]string{"part-00000-old.csv": "old\n", "notes.md": "", "_SUCCESS": ""} {
				if err := storage.WriteFile(ctx, storage.Join(dest, name), []byte(body)); err != nil { // Overwrite replaces it
					t.Fatal(err)
				}
			}
			w := write(dest)
			for _, i := range []int{2, 0, 0} {
				if _, err := WriteShare(ctx, cfg, w, Share{Job: job, Index: i, Count: 3}); err != nil {
					t.Fatal(err)
				}
			}
			err := CommitShares(ctx, cfg, w, job)
			if !errors.Is(err, commit.ErrTasksMissing) || !strings.Contains(err.Error(), "partitions 1, 4") {
				t.Fatalf("commit with share 1 missing: %v", err)
			}
			if _, err := WriteShare(ctx, cfg, w, Share{Job: job, Index: 1, Count: 3}); err != nil {
				t.Fatal(err)
			}
			for range 2 { // the second commit finds the job committed
				if err := CommitShares(ctx, cfg, w, job); err != nil {
					t.Fatal(err)
				}
			}
			got, gotJob := readDataset(t, dest)
			if !slices.Equal(got, want) || gotJob != job {
				t.Fatalf("job %s wrote %d lines, want %d as the local runner", gotJob, len(got), len(want))
			}
			if m, err := WriteShare(ctx, cfg, w, Share{Job: job, Index: 1, Count: 3}); err != nil || m.Tasks != 0 {
				t.Fatalf("a share after the commit ran %d tasks: %v", m.Tasks, err)
			}
			files, err := storage.List(ctx, dest)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if strings.Contains(f.Path, "_temporary") || strings.Contains(f.Path, "notes.md") || strings.Contains(f.Path, "old") {
					t.Errorf("left behind: %s", f.Path)
				}
			}
			if dir, ok := storage.LocalPath(dest); ok {
				entries, _ := os.ReadDir(filepath.Dir(dir))
				for _, e := range entries {
					if strings.Contains(e.Name(), job) {
						t.Errorf("left beside the destination: %s", e.Name())
					}
				}
			}
		})
	}
}

// TestWriteShareRefusesExchanges: a plan with an exchange cannot run as
// shares, and the error says where to run it.
func TestWriteShareRefusesExchanges(t *testing.T) {
	scan := &plan.Scan{Source: &genSource{Parts: 3, Rows: 10, Keys: 2}}
	r := exectest.Must(plan.NewRepartition(scan, 4, plan.Col("k")))
	dest := t.TempDir() + "/out"
	w := &plan.Write{Input: r, Format: csvio.Format{Options: csvio.DefaultOptions()}, Path: dest}
	_, err := WriteShare(context.Background(), Config{}, w, Share{Job: "j1", Index: 0, Count: 2})
	if !errors.Is(err, ErrNotMapOnly) || !strings.Contains(err.Error(), "Beam") {
		t.Fatalf("got %v", err)
	}
	if err := CommitShares(context.Background(), Config{}, w, "j1"); !errors.Is(err, ErrNotMapOnly) {
		t.Fatalf("commit: %v", err)
	}
	if _, err := os.Stat(dest); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the refused job touched its destination: %v", err)
	}
}
