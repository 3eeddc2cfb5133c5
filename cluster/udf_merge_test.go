package cluster

import (
	"testing"
	"time"

	"github.com/ember-df/ember/exec"
)

// TestUDFMergeAddsHistograms: a function's latency histograms from
// several tasks add up bucket by bucket (their bounds are fixed).
func TestUDFMergeAddsHistograms(t *testing.T) {
	var a, b exec.Latency
	a.Count, a.Mean, a.Buckets[3], a.Buckets[5] = 3, time.Millisecond, 2, 1
	b.Count, b.Mean, b.Buckets[5], b.Buckets[len(b.Buckets)-1] = 2, time.Millisecond, 1, 1
	var u udfMerge
	u.add(exec.UDFMetrics{Function: "f", Column: "c", Batches: 3, Latency: a})
	u.add(exec.UDFMetrics{Function: "f", Column: "c", Batches: 2, Latency: b})
	var want [len(exec.LatencyBounds) + 1]int64
	want[3], want[5], want[len(want)-1] = 2, 2, 1
	if u.m.Latency.Buckets != want || u.m.Latency.Count != 5 {
		t.Errorf("merged %d runs into %v, want 5 in %v", u.m.Latency.Count, u.m.Latency.Buckets, want)
	}
}
