package commit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// TestWriteOntoAFileIsRefused: Overwrite and Append onto a path that is a
// regular file used to delete the user's file and put a directory there.
func TestWriteOntoAFileIsRefused(t *testing.T) {
	for _, mode := range []plan.SaveMode{plan.Overwrite, plan.Append, plan.ErrorIfExists} {
		t.Run(mode.String(), func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "report.csv")
			if err := os.WriteFile(dest, []byte("precious\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			src := &exectest.ScriptSource{Parts: 2, Batches: 1, Rows: 2}
			_, err := writeJob(t, context.Background(), src.Scan(), dest, mode, exectest.LineFormat{})
			if err == nil || (mode != plan.ErrorIfExists && !strings.Contains(err.Error(), "is a file, not a directory")) {
				t.Fatalf("write onto a file: %v", err)
			}
			if data, err := os.ReadFile(dest); err != nil || string(data) != "precious\n" {
				t.Fatalf("the file now holds %q (%v)", data, err)
			}
		})
	}
	t.Run("object store", func(t *testing.T) {
		dest := "mem://refuse-file/report.csv"
		t.Cleanup(func() { storage.DropMemBucket("refuse-file") })
		if err := storage.WriteFile(context.Background(), dest, []byte("precious\n")); err != nil {
			t.Fatal(err)
		}
		src := &exectest.ScriptSource{Parts: 2, Batches: 1, Rows: 2}
		_, err := writeJob(t, context.Background(), src.Scan(), dest, plan.Overwrite, exectest.LineFormat{})
		if err == nil || !strings.Contains(err.Error(), "is a file, not a directory") {
			t.Fatalf("write onto an object: %v", err)
		}
	})
}

// otherFormat writes the same lines under another name: an Append of it
// to a LineFormat dataset mixes formats.
type otherFormat struct{ exectest.LineFormat }

func (otherFormat) Name() string      { return "other" }
func (otherFormat) Extension() string { return "other" }

// TestAppendMustMatchTheDataset: an Append of another format, schema or
// partitioning used to succeed and leave a dataset that no longer reads;
// it is refused, naming both, and the dataset stays as it was.
func TestAppendMustMatchTheDataset(t *testing.T) {
	ctx := context.Background()
	for _, store := range []string{"local", "mem"} {
		t.Run(store, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			if store == "mem" {
				dest = "mem://append-match/out"
				t.Cleanup(func() { storage.DropMemBucket("append-match") })
			}
			src := &exectest.ScriptSource{Parts: 2, Batches: 1, Rows: 2}
			if _, err := writeJob(t, ctx, src.Scan(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
				t.Fatal(err)
			}
			before, err := commit.ReadManifest(dest)
			if err != nil {
				t.Fatal(err)
			}
			renamed := exectest.Must(plan.NewProject(src.Scan(), &plan.Alias{Child: plan.Col(exectest.IntSchema.Field(0).Name), Name: "renamed"}))
			cases := []struct {
				name   string
				input  plan.Node
				format plan.FileFormat
				want   string
			}{
				{"format", src.Scan(), otherFormat{}, "format txt, this write's is format other"},
				{"schema", renamed, exectest.LineFormat{}, "renamed int64"},
			}
			for _, c := range cases {
				_, err := writeJob(t, ctx, c.input, dest, plan.Append, c.format)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("append of another %s: %v, want an error containing %q", c.name, err, c.want)
				}
			}
			// Matching appends still work.
			if _, err := writeJob(t, ctx, src.Scan(), dest, plan.Append, exectest.LineFormat{}); err != nil {
				t.Fatal(err)
			}
			after, err := commit.ReadManifest(dest)
			if err != nil {
				t.Fatal(err)
			}
			if after.Rows != 2*before.Rows {
				t.Fatalf("after one matching append the dataset has %d rows, want %d", after.Rows, 2*before.Rows)
			}
		})
	}
}

// TestConcurrentAppendsAllLand: appends to one destination from several
// jobs at once used to lose up to a quarter of them, each job reporting
// success. Commits now take the destination's lock (an flock on local
// disk, a conditional PUT on object stores): every append lands.
func TestConcurrentAppendsAllLand(t *testing.T) {
	for _, store := range []string{"local", "mem"} {
		t.Run(store, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			if store == "mem" {
				dest = "mem://concurrent-appends/out"
				t.Cleanup(func() { storage.DropMemBucket("concurrent-appends") })
			}
			const jobs = 8
			src := &exectest.ScriptSource{Parts: 2, Batches: 1, Rows: 3}
			var wg sync.WaitGroup
			errs := make([]error, jobs)
			for i := range jobs {
				wg.Go(func() {
					_, errs[i] = writeJob(t, context.Background(), src.Scan(), dest, plan.Append, exectest.LineFormat{})
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			m, err := commit.ReadManifest(dest)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(jobs * 2 * 3); m.Rows != want || len(m.Files) != 2*jobs {
				t.Fatalf("%d appends of 6 rows in 2 files left %d rows in %d files, want %d", jobs, m.Rows, len(m.Files), want)
			}
			for _, f := range m.Files {
				if _, err := storage.Stat(context.Background(), storage.Join(dest, f.Name)); err != nil {
					t.Errorf("the manifest lists %s: %v", f.Name, err)
				}
			}
			if _, err := storage.Stat(context.Background(), storage.Join(dest, "_ember_commit.lock")); err == nil {
				t.Error("the commit lock is still there")
			}
		})
	}
}

// TestCommitIsDurable: every part file, the manifest and every directory
// of the new dataset are flushed before the swap, and the destination's
// parent after it — unless the write says NoSync.
func TestCommitIsDurable(t *testing.T) {
	for _, noSync := range []bool{false, true} {
		t.Run(map[bool]string{false: "sync", true: "no-sync"}[noSync], func(t *testing.T) {
			parent := t.TempDir()
			dest := filepath.Join(parent, "out")
			var mu sync.Mutex
			var synced []string
			restore := commit.SetSyncFile(func(path string) error {
				mu.Lock()
				defer mu.Unlock()
				synced = append(synced, path)
				return nil
			})
			defer restore()
			mem := exectest.CheckedAlloc(t)
			src := &exectest.ScriptSource{Parts: 3, Batches: 1, Rows: 2}
			w := &plan.Write{Input: src.Scan(), Format: exectest.LineFormat{}, Path: dest, Mode: plan.ErrorIfExists, NoSync: noSync}
			if _, err := exec.Write(context.Background(), exec.Local{}, exec.Config{Allocator: mem, Parallelism: 2}, w); err != nil {
				t.Fatal(err)
			}
			if noSync {
				if len(synced) > 0 {
					t.Fatalf("NoSync flushed %v", synced)
				}
				return
			}
			var names []string
			for _, p := range synced {
				rel, _ := filepath.Rel(parent, p)
				// Staging paths end up at dest: compare by what they hold.
				if strings.Contains(rel, "ember-staging-") {
					_, below, found := strings.Cut(rel, "/")
					rel = "STAGING"
					if found {
						rel += "/" + below
					}
				}
				if strings.Contains(rel, "_temporary") {
					rel = "TASKFILE"
				}
				names = append(names, rel)
			}
			slices.Sort(names)
			for _, want := range []string{".", "STAGING", "STAGING/_SUCCESS", "TASKFILE"} {
				if !slices.Contains(names, want) {
					t.Errorf("flushed %v; %s is missing", names, want)
				}
			}
			if n := strings.Count(strings.Join(names, " "), "TASKFILE"); n != 3 {
				t.Errorf("%d part files flushed, want 3", n)
			}
		})
	}
}

// TestUnwritableDestinationsFailBeforeRunning: an empty path (which meant
// the current directory) and a mount point (whose directory the commit
// cannot replace: "device or resource busy" after the whole job ran) are
// refused before any task runs, saying what to do.
func TestUnwritableDestinationsFailBeforeRunning(t *testing.T) {
	ran := false
	src := &exectest.ScriptSource{Parts: 1, Batches: 1, Rows: 1, Before: func(context.Context, int, int) error {
		ran = true
		return nil
	}}
	cases := map[string]struct {
		dest string
		want string
	}{
		"empty":       {"", "no destination path"},
		"blank":       {"  ", "no destination path"},
		"mount point": {"/proc", "mount point"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := writeJob(t, context.Background(), src.Scan(), c.dest, plan.Overwrite, exectest.LineFormat{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("write to %q: %v, want an error containing %q", c.dest, err, c.want)
			}
			if ran {
				t.Fatal("the job ran before the destination was refused")
			}
		})
	}
}

// TestPartitionedWriteBoundsOpenFiles: a write partitioned by a column of
// many values used to keep a writer (and its 1 MiB buffer) open per value;
// a task now keeps at most maxOpenFiles, completing the least recently
// written one and opening the next file of its directory when it comes
// back — and every row still lands in its directory.
func TestPartitionedWriteBoundsOpenFiles(t *testing.T) {
	defer commit.SetMaxOpenFiles(8)()
	mem := exectest.CheckedAlloc(t)
	schema := arrow.NewSchema([]arrow.Field{{Name: "k", Type: arrow.PrimitiveTypes.Int64}, {Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	const rows, keys = 1000, 100
	var batches []arrow.RecordBatch
	for lo := 0; lo < rows; lo += 50 {
		b := array.NewRecordBuilder(mem, schema)
		for i := lo; i < lo+50; i++ {
			b.Field(0).(*array.Int64Builder).Append(int64(i % keys))
			b.Field(1).(*array.Int64Builder).Append(int64(i))
		}
		batches = append(batches, b.NewRecordBatch())
		b.Release()
	}
	src, err := plan.NewMemorySource(schema, [][]arrow.RecordBatch{batches})
	for _, b := range batches {
		b.Release()
	}
	if err != nil {
		t.Fatal(err)
	}
	defer src.Release()
	dest := filepath.Join(t.TempDir(), "out")
	w := &plan.Write{Input: &plan.Scan{Source: src}, Format: exectest.LineFormat{}, Path: dest, Mode: plan.ErrorIfExists, PartitionBy: []string{"k"}, NoSync: true}
	if _, err := exec.Write(context.Background(), exec.Local{}, exec.Config{Allocator: mem, Parallelism: 1}, w); err != nil {
		t.Fatal(err)
	}
	m, err := commit.ReadManifest(dest)
	if err != nil {
		t.Fatal(err)
	}
	perDir := map[string]int64{}
	for _, f := range m.Files {
		data, err := os.ReadFile(filepath.Join(dest, f.Name))
		if err != nil {
			t.Fatal(err)
		}
		if n := int64(strings.Count(string(data), "\n")); n != f.Rows {
			t.Fatalf("%s holds %d rows, the manifest says %d", f.Name, n, f.Rows)
		}
		perDir[filepath.Dir(f.Name)] += f.Rows
	}
	if m.Rows != rows || len(perDir) != keys {
		t.Fatalf("%d rows in %d directories, want %d in %d", m.Rows, len(perDir), rows, keys)
	}
	for dir, n := range perDir {
		if n != rows/keys {
			t.Fatalf("%s holds %d rows, want %d", dir, n, rows/keys)
		}
	}
	if len(m.Files) <= keys {
		t.Fatalf("%d files for %d directories: the open files were not bounded", len(m.Files), keys)
	}
}
