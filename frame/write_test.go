package frame_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// snapshot lists a directory tree's files with their contents.
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = string(b)
		return nil
	})
	return out
}

func partFiles(t *testing.T, dir string) []string {
	t.Helper()
	matches, err := filepath.Glob(filepath.Join(dir, "part-*.csv"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(matches)
	return matches
}

func TestWriteModes(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	df := readPeople(sess).Repartition(3)
	out := filepath.Join(t.TempDir(), "nested", "out")
	count := func() int64 {
		n, err := sess.Read().Option("header", "true").CSV(out).Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	if err := df.Write().Option("header", "true").CSV(ctx, out); err != nil {
		t.Fatal(err)
	}
	parts := partFiles(t, out)
	if len(parts) != 3 || count() != 7 {
		t.Fatalf("parts %v, rows %d", parts, count())
	}
	for _, p := range parts {
		if !strings.HasPrefix(filepath.Base(p), "part-0000") {
			t.Fatalf("part file name %s", p)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "_SUCCESS")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t, out)

	err := df.Write().CSV(ctx, out)
	if err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Fatalf("ErrorIfExists: err = %v", err)
	}
	if err := df.Limit(1).Write().Mode(frame.Ignore).CSV(ctx, out); err != nil {
		t.Fatal(err)
	}
	if !equalSnapshots(before, snapshot(t, out)) {
		t.Fatal("ErrorIfExists or Ignore changed the destination")
	}
	if err := df.Limit(2).Write().Mode(frame.Append).Option("header", "true").CSV(ctx, out); err != nil {
		t.Fatal(err)
	}
	if count() != 9 {
		t.Fatalf("after Append: %d rows, want 9", count())
	}
	if err := df.Limit(1).Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out); err != nil {
		t.Fatal(err)
	}
	if count() != 1 || len(partFiles(t, out)) != 1 {
		t.Fatalf("after Overwrite: %d rows in %v", count(), partFiles(t, out))
	}
	// An empty result still writes a part file with the header.
	empty := filepath.Join(t.TempDir(), "empty")
	if err := df.Filter(frame.Col("id").Lt(0)).Write().Option("header", "true").CSV(ctx, empty); err != nil {
		t.Fatal(err)
	}
	files := partFiles(t, empty)
	if len(files) != 1 {
		t.Fatalf("empty output: %v", files)
	}
	if b, _ := os.ReadFile(files[0]); string(b) != "id,name,dept,age,score\n" {
		t.Fatalf("empty output holds %q", b)
	}
	assertNoStaging(t, filepath.Dir(out))
}

func equalSnapshots(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func assertNoStaging(t *testing.T, parent string) {
	t.Helper()
	entries, _ := os.ReadDir(parent)
	for _, e := range entries {
		if strings.Contains(e.Name(), "staging") {
			t.Fatalf("staging directory %s left behind", e.Name())
		}
	}
}

// TestFailedWriteLeavesDestination fails or cancels a job after some part
// files were written, over an existing and over a new destination.
func TestFailedWriteLeavesDestination(t *testing.T) {
	errBoom := errors.New("boom")
	for _, how := range []string{"error", "cancel"} {
		for _, existing := range []bool{true, false} {
			t.Run(how, func(t *testing.T) {
				ctx, cancel := context.WithCancel(context.Background())
				defer cancel()
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(1, 0), frame.WithParallelism(2))
				defer sess.Close()
				out := filepath.Join(t.TempDir(), "out")
				if existing {
					if err := readPeople(sess).Write().CSV(ctx, out); err != nil {
						t.Fatal(err)
					}
				}
				before := snapshot(t, out)
				var seen atomic.Int64
				failing := batchesDF(t, sess, mem, 60, 6).MapBatches(people, func(_ context.Context, b arrow.RecordBatch) (arrow.RecordBatch, error) {
					if seen.Add(1) == 40 {
						if how == "cancel" {
							cancel()
						} else {
							return nil, errBoom
						}
					}
					b.Retain()
					return b, nil
				})
				err := failing.Write().Mode(frame.Overwrite).CSV(ctx, out)
				if how == "error" && !errors.Is(err, errBoom) || how == "cancel" && !errors.Is(err, context.Canceled) {
					t.Fatalf("err = %v", err)
				}
				if !equalSnapshots(before, snapshot(t, out)) {
					t.Fatalf("destination changed: %v", snapshot(t, out))
				}
				if _, err := os.Stat(out); !existing && !os.IsNotExist(err) {
					t.Fatalf("a failed job created %s", out)
				}
				assertNoStaging(t, filepath.Dir(out))
			})
		}
	}
}
