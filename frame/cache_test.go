package frame_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
	"go.uber.org/goleak"
)

// countingUDF doubles an int64 and counts the rows it was called on.
func countingUDF(calls *atomic.Int64, fail *atomic.Bool) frame.Column {
	f := udf.Func1E("frame_test.counting_double", func(x int64) (int64, error) {
		calls.Add(1)
		if fail != nil && fail.Load() {
			return 0, errors.New("the model is down")
		}
		return 2 * x, nil
	})
	return frame.Column{Expr: f.Call("id")}
}

// TestCacheRunsTheModelOnce: two actions on a cached DataFrame (and one
// on a DataFrame derived from it) call the UDF once per row in all.
func TestCacheRunsTheModelOnce(t *testing.T) {
	for _, level := range []frame.StorageLevel{frame.MemoryAndDisk, frame.MemoryOnly, frame.DiskOnly} {
		t.Run(level.String(), func(t *testing.T) {
			ctx := context.Background()
			spill := t.TempDir()
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(3), frame.WithBatchSize(100, 0), frame.WithSpillDir(spill))
			defer sess.Close()
			var calls atomic.Int64
			df := sess.Range(1000).WithColumn("y", countingUDF(&calls, nil)).Persist(level)
			if !strings.Contains(df.Explain(), "cached "+level.String()+" [id y], 3 partitions, not computed yet") {
				t.Fatal(df.Explain())
			}
			if n, err := df.Count(ctx); n != 1000 || err != nil {
				t.Fatalf("Count = %d, %v", n, err)
			}
			got := collectRows(t, df.Filter(col("y").Lt(10)))
			if !slices.Equal(got, []string{"0|0", "1|2", "2|4", "3|6", "4|8"}) {
				t.Fatalf("rows %v", got)
			}
			var sum int64
			for row, err := range df.Select("y").Rows(ctx) { // projected
				if err != nil {
					t.Fatal(err)
				}
				y, _ := row.GetInt64("y")
				sum += y
			}
			if first, err := df.First(ctx); err != nil || first.Get("y") != int64(0) { // limit pushed
				t.Fatalf("First = %v, %v", first, err)
			}
			if sum != 999*1000 || calls.Load() != 1000 {
				t.Fatalf("sum %d; the UDF ran on %d rows, want 1000", sum, calls.Load())
			}
			jobs := 0
			for _, j := range sess.Jobs() {
				if j.Action == "Cache" {
					jobs++
				}
			}
			if jobs != 1 {
				t.Fatalf("%d Cache jobs", jobs)
			}
			explain := df.Explain()
			if !strings.Contains(explain, "1000 rows") {
				t.Fatal(explain)
			}
			files, _ := os.ReadDir(spill)
			if (level == frame.DiskOnly) != (len(files) > 0) {
				t.Fatalf("%s: %d entries in the spill directory", level, len(files))
			}

			// Unpersist frees the memory and files; the plan it returns runs
			// the UDF again, every time.
			plain := df.Unpersist()
			if mem.CurrentAlloc() != 0 {
				t.Fatalf("%d bytes still held after Unpersist", mem.CurrentAlloc())
			}
			if files, _ := os.ReadDir(spill); len(files) != 0 {
				t.Fatalf("spill directory after Unpersist: %v", files)
			}
			// (Count alone would prune the UDF's column away.)
			if got := collectRows(t, plain.Agg(frame.Sum("y"))); got[0] != "999000" || calls.Load() != 2000 {
				t.Fatalf("after Unpersist: sum %v; UDF rows %d", got, calls.Load())
			}
			// The cached DataFrame itself computes and keeps anew.
			if n, err := df.Count(ctx); n != 1000 || err != nil || calls.Load() != 3000 {
				t.Fatalf("cached again: Count = %d, %v; UDF rows %d", n, err, calls.Load())
			}
		})
	}
}

// TestCacheSpillsBeyondTheBudget: with a budget smaller than the rows,
// MemoryAndDisk keeps part in memory and the rest on disk, and reads all
// of it back; MemoryOnly fails naming the budget.
func TestCacheSpillsBeyondTheBudget(t *testing.T) {
	ctx := context.Background()
	spill := t.TempDir()
	sess := checkedSession(t, frame.WithParallelism(2), frame.WithBatchSize(1000, 0),
		frame.WithMemoryBudget(64<<10), frame.WithSpillDir(spill))
	df := sess.Range(100_000).WithColumn("s", frame.Concat(frame.Lit("row "), col("id"))).Cache()
	want := collectRows(t, df.Unpersist().Filter(col("id").Mod(997).Eq(0)))
	if got := collectRows(t, df.Filter(col("id").Mod(997).Eq(0))); !slices.Equal(got, want) {
		t.Fatalf("cached rows differ: %d vs %d", len(got), len(want))
	}
	if !strings.Contains(df.Explain(), "2 partitions on disk") {
		t.Fatal(df.Explain())
	}
	if n, err := df.Limit(1500).Count(ctx); n != 1500 || err != nil {
		t.Fatalf("Limit over spilled rows: %d, %v", n, err)
	}
	if n, err := df.Count(ctx); n != 100_000 || err != nil {
		t.Fatalf("Count = %d, %v", n, err)
	}
	_, err := sess.Range(100_000).Persist(frame.MemoryOnly).Count(ctx)
	if !errors.Is(err, exec.ErrMemoryBudget) {
		t.Fatalf("MemoryOnly over the budget: %v", err)
	}
	sess.Close()
	if files, _ := os.ReadDir(spill); len(files) != 0 {
		t.Fatalf("spill directory after Close: %v", files)
	}
}

// TestCacheConcurrentActions: actions started together compute once.
func TestCacheConcurrentActions(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	sess := checkedSession(t, frame.WithParallelism(2))
	var calls atomic.Int64
	df := sess.Range(500).WithColumn("y", countingUDF(&calls, nil)).Cache()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := df.Count(ctx)
			if err == nil && n != 500 {
				err = errors.New("wrong count")
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil || calls.Load() != 500 {
		t.Fatalf("%v; UDF rows %d, want 500", err, calls.Load())
	}
}

// TestCacheFailureIsNotKept: a failed computation keeps nothing; the next
// action computes again.
func TestCacheFailureIsNotKept(t *testing.T) {
	ctx := context.Background()
	sess := checkedSession(t)
	var calls atomic.Int64
	var fail atomic.Bool
	fail.Store(true)
	df := sess.Range(10).WithColumn("y", countingUDF(&calls, &fail)).Cache()
	if _, err := df.Count(ctx); err == nil || !strings.Contains(err.Error(), "the model is down") {
		t.Fatalf("Count = %v", err)
	}
	fail.Store(false)
	if n, err := df.Count(ctx); n != 10 || err != nil {
		t.Fatalf("Count after recovery = %d, %v", n, err)
	}
	if err := sess.Range(3).Persist(frame.StorageLevel(9)).Err(); err == nil || !strings.Contains(err.Error(), "unknown storage level 9") {
		t.Fatalf("bad level: %v", err)
	}
	if plain := sess.Range(3); plain.Unpersist() != plain {
		t.Fatal("Unpersist of an uncached DataFrame is not itself")
	}
}
