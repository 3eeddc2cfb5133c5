package frame_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/frame"
)

func TestSample(t *testing.T) {
	ctx := context.Background()
	sess := checkedSession(t, frame.WithParallelism(3), frame.WithBatchSize(1000, 0))
	df := sess.Range(100_000)
	a := rangeIDs(t, df.Sample(0.1, 42))
	// Bernoulli(0.1) over 100,000 rows: sd ≈ 95, so 5 sd either side.
	if len(a) < 9_525 || len(a) > 10_475 {
		t.Fatalf("Sample(0.1) kept %d of 100000 rows", len(a))
	}
	if b := rangeIDs(t, df.Sample(0.1, 42)); !slices.Equal(a, b) {
		t.Fatal("the same seed sampled different rows")
	}
	if c := rangeIDs(t, df.Sample(0.1, 43)); slices.Equal(a, c) {
		t.Fatal("another seed sampled the same rows")
	}
	// Each partition is sampled, not only the first.
	if a[0] > 1000 || a[len(a)-1] < 99_000 {
		t.Fatalf("sampled ids span %d..%d", a[0], a[len(a)-1])
	}
	for _, c := range []struct {
		fraction float64
		want     int64
	}{{0, 0}, {1, 100_000}} {
		if n, err := df.Sample(c.fraction, 1).Count(ctx); n != c.want || err != nil {
			t.Fatalf("Sample(%g) = %d rows, %v", c.fraction, n, err)
		}
	}
	for _, f := range []float64{-0.1, 1.5} {
		if err := df.Sample(f, 1).Err(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("fraction %g is outside [0, 1]", f)) {
			t.Fatalf("Sample(%g): %v", f, err)
		}
	}
	// Columns other than the sampled ones come through unchanged.
	people := partitioned(t, sess, sess.Allocator(), people, peopleJSON, 2)
	if got := collectRows(t, people.Sample(1, 5)); !slices.Equal(got, collectRows(t, people)) {
		t.Fatalf("Sample(1) changed rows: %v", got)
	}
}

func TestRandomSplit(t *testing.T) {
	sess := checkedSession(t, frame.WithParallelism(2), frame.WithBatchSize(777, 0))
	df := sess.Range(30_000)
	splits := df.RandomSplit([]float64{1, 2, 3, 0}, 7)
	if len(splits) != 4 {
		t.Fatalf("%d splits", len(splits))
	}
	seen := make([]int, 30_000)
	var sizes []int
	for _, s := range splits {
		ids := rangeIDs(t, s)
		sizes = append(sizes, len(ids))
		for _, id := range ids {
			seen[id]++
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Fatalf("row %d is in %d splits", id, n)
		}
	}
	// Expected 5000, 10000, 15000, 0 (sd < 90).
	if sizes[0] < 4_550 || sizes[0] > 5_450 || sizes[1] < 9_550 || sizes[1] > 10_450 || sizes[3] != 0 {
		t.Fatalf("split sizes %v", sizes)
	}
	for _, w := range [][]float64{nil, {0, 0}, {1, -1}} {
		splits := df.RandomSplit(w, 1)
		if len(splits) != max(1, len(w)) {
			t.Fatalf("RandomSplit(%v) gave %d DataFrames", w, len(splits))
		}
		for _, s := range splits {
			if s.Err() == nil || !strings.Contains(s.Err().Error(), "RandomSplit(") {
				t.Fatalf("RandomSplit(%v): %v", w, s.Err())
			}
		}
	}
}
