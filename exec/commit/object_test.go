package commit_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// memDest returns a fresh mem:// destination, dropped at cleanup.
func memDest(t *testing.T) string {
	bucket := strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name()))
	t.Cleanup(func() { storage.DropMemBucket(bucket) })
	return "mem://" + bucket + "/out"
}

// manifestRows reads a destination as ember's readers do: the files its
// manifest lists, every line of them, sorted. ok is false when there is no
// manifest.
func manifestRows(t *testing.T, dest string) (rows []string, ok bool) {
	t.Helper()
	m, err := commit.ReadManifest(dest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		data, err := storage.ReadFile(context.Background(), storage.Join(dest, f.Name))
		if err != nil {
			t.Fatalf("the manifest lists %s: %v", f.Name, err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		if string(data) == "" {
			lines = nil
		}
		if f.Rows >= 0 && int64(len(lines)) != f.Rows {
			t.Fatalf("%s holds %d rows, the manifest says %d", f.Name, len(lines), f.Rows)
		}
		rows = append(rows, lines...)
	}
	slices.Sort(rows)
	return rows, true
}

// objects lists every object under dest, relative to it.
func objects(t *testing.T, dest string) []string {
	t.Helper()
	infos, err := storage.List(context.Background(), dest)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range infos {
		out = append(out, strings.TrimPrefix(f.Path, dest+"/"))
	}
	return out
}

var (
	firstRows  = []string{"0", "1", "1000", "1001", "1002", "2", "2000", "2001", "2002"}
	secondRows = []string{"0", "1", "1000", "1001", "2000", "2001", "3000", "3001"}
)

func firstJob() plan.Node  { return (&exectest.ScriptSource{Parts: 3, Batches: 1, Rows: 3}).Scan() }
func secondJob() plan.Node { return (&exectest.ScriptSource{Parts: 4, Batches: 1, Rows: 2}).Scan() }

// TestObjectStoreWriteModes checks each save mode on a store without
// rename: the manifest lists exactly the dataset the mode asks for, and
// an Overwrite leaves no file of the old dataset behind.
func TestObjectStoreWriteModes(t *testing.T) {
	cases := []struct {
		mode     plan.SaveMode
		wantErr  string
		wantRows []string
	}{
		{plan.ErrorIfExists, "already exists", firstRows},
		{plan.Ignore, "", firstRows},
		{plan.Overwrite, "", secondRows},
		{plan.Append, "", append(slices.Clone(firstRows), secondRows...)},
	}
	for _, c := range cases {
		t.Run(c.mode.String(), func(t *testing.T) {
			dest := memDest(t)
			if _, err := writeJob(t, context.Background(), firstJob(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
				t.Fatal(err)
			}
			_, err := writeJob(t, context.Background(), secondJob(), dest, c.mode, exectest.LineFormat{})
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("err = %v, want %q", err, c.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			want := slices.Clone(c.wantRows)
			slices.Sort(want)
			if got, _ := manifestRows(t, dest); !slices.Equal(got, want) {
				t.Fatalf("rows %v, want %v", got, want)
			}
			m, _ := commit.ReadManifest(dest)
			listed := []string{commit.SuccessFile}
			for _, f := range m.Files {
				listed = append(listed, f.Name)
			}
			slices.Sort(listed)
			if got := objects(t, dest); !slices.Equal(got, listed) {
				t.Fatalf("objects %v, the manifest lists %v", got, listed)
			}
		})
	}
}

// TestObjectStoreCrashAfterEachCommitStep stops the commit after each
// step, as a killed driver would: a reader that follows the manifest sees
// the old complete dataset or the new complete one, never a mix.
func TestObjectStoreCrashAfterEachCommitStep(t *testing.T) {
	t.Cleanup(func() { commit.SetCrashAfter(nil) })
	for _, mode := range []plan.SaveMode{plan.ErrorIfExists, plan.Overwrite, plan.Append} {
		for _, step := range []int{commit.StepTasksDone, commit.StepSwapped, commit.StepOldRemoved} {
			t.Run(fmt.Sprintf("%s/step%d", mode, step), func(t *testing.T) {
				dest := memDest(t)
				old := firstRows
				if mode == plan.ErrorIfExists {
					old = nil
				} else if _, err := writeJob(t, context.Background(), firstJob(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
					t.Fatal(err)
				}
				commit.SetCrashAfter(func(n int) bool { return n == step })
				_, err := writeJob(t, context.Background(), secondJob(), dest, mode, exectest.LineFormat{})
				commit.SetCrashAfter(nil)
				if !errors.Is(err, commit.ErrCrash) {
					t.Fatalf("err = %v, want the simulated crash", err)
				}
				want := old
				if step >= commit.StepSwapped {
					want = secondRows
					if mode == plan.Append {
						want = append(slices.Clone(firstRows), secondRows...)
					}
				}
				want = slices.Clone(want)
				slices.Sort(want)
				got, ok := manifestRows(t, dest)
				if !slices.Equal(got, want) || ok != (want != nil) {
					t.Fatalf("a reader sees %v (manifest: %v), want %v", got, ok, want)
				}
			})
		}
	}
}

// TestObjectStoreFailedJobLeavesNothing: a job whose task fails deletes
// what its other tasks uploaded and leaves the old dataset as it was.
func TestObjectStoreFailedJobLeavesNothing(t *testing.T) {
	dest := memDest(t)
	if _, err := writeJob(t, context.Background(), firstJob(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	before := objects(t, dest)
	src := &exectest.ScriptSource{Parts: 4, Batches: 3, Rows: 2, Before: func(_ context.Context, p, batch int) error {
		if p == 3 && batch == 2 {
			return exectest.ErrBoom
		}
		return nil
	}}
	if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.Overwrite, exectest.LineFormat{}); !errors.Is(err, exectest.ErrBoom) {
		t.Fatalf("err = %v, want the task's error", err)
	}
	if got := objects(t, dest); !slices.Equal(got, before) {
		t.Fatalf("objects %v, want those of the old dataset %v", got, before)
	}
	if got, _ := manifestRows(t, dest); !slices.Equal(got, firstRows) {
		t.Fatalf("rows %v", got)
	}
}

// TestObjectStoreEmptyResult: an empty result still commits one part file
// (its schema) and a manifest.
func TestObjectStoreEmptyResult(t *testing.T) {
	dest := memDest(t)
	if _, err := writeJob(t, context.Background(), (&exectest.ScriptSource{Parts: 2, Batches: 0, Rows: 1}).Scan(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	m, err := commit.ReadManifest(dest)
	if err != nil || len(m.Files) != 1 || m.Rows != 0 {
		t.Fatalf("manifest %+v, err %v", m, err)
	}
}

// TestWriteToUnsupportedScheme: a scheme with no filesystem is a clear
// error naming it and what is supported, and writes nothing anywhere.
func TestWriteToUnsupportedScheme(t *testing.T) {
	_, err := writeJob(t, context.Background(), firstJob(), "s4://bucket/out", plan.Overwrite, exectest.LineFormat{})
	if !errors.Is(err, storage.ErrUnsupportedScheme) || !strings.Contains(err.Error(), `"s4"`) || !strings.Contains(err.Error(), "mem") {
		t.Fatalf("err = %v", err)
	}
}

// TestObjectStoreAppendToForeignDataset: appending to a dataset another
// engine wrote (Spark's empty _SUCCESS marker, no manifest) keeps its data
// files, with unknown row counts, and adds the new ones.
func TestObjectStoreAppendToForeignDataset(t *testing.T) {
	dest := memDest(t)
	ctx := context.Background()
	for name, body := range map[string]string{"part-00000-spark.txt": "s0\n", "year=1/part-00000-spark.txt": "s1\n", commit.SuccessFile: "", ".part-00000-spark.txt.crc": "x"} {
		if err := storage.WriteFile(ctx, storage.Join(dest, name), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := writeJob(t, ctx, secondJob(), dest, plan.Append, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	want := append([]string{"s0", "s1"}, secondRows...)
	slices.Sort(want)
	if got, _ := manifestRows(t, dest); !slices.Equal(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
	if m, _ := commit.ReadManifest(dest); m.Rows != -1 {
		t.Fatalf("manifest rows %d, want -1 (unknown)", m.Rows)
	}
}
