package call

import (
	"testing"
	"time"
)

func TestSummarizeHistogram(t *testing.T) {
	samples := []time.Duration{
		5 * time.Microsecond,  // bucket 0: at most 10µs
		10 * time.Microsecond, // bucket 0: a bound belongs to the bucket it ends
		11 * time.Microsecond, // bucket 1: (10µs, 20µs]
		3 * time.Millisecond,  // bucket 8: (2ms, 5ms]
		3 * time.Millisecond,  // bucket 8
		100 * time.Second,     // bucket 21: the last bound
		time.Hour,             // overflow bucket
	}
	l := summarize(samples)
	want := map[int]int64{0: 2, 1: 1, 8: 2, 21: 1, len(LatencyBounds): 1}
	var total int64
	for i, n := range l.Buckets {
		if n != want[i] {
			t.Errorf("bucket %d (≤ %v): %d durations, want %d", i, bound(i), n, want[i])
		}
		total += n
	}
	if total != int64(l.Count) {
		t.Errorf("buckets add up to %d, Count is %d", total, l.Count)
	}
	if summarize(nil).Buckets != [len(LatencyBounds) + 1]int64{} {
		t.Error("no samples: the histogram is not empty")
	}
}

func bound(i int) any {
	if i < len(LatencyBounds) {
		return LatencyBounds[i]
	}
	return "∞"
}
