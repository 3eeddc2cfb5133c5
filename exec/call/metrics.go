package call

import (
	"fmt"
	"slices"
	"time"
)

// Metrics describe one batch function's work in a job.
type Metrics struct {
	// Function is the function's name, Column the column it computed.
	Function, Column string
	// Rows and Batches count what the function was given (a batch tried
	// again counts once).
	Rows, Batches int64
	// FailedRows counts rows the function failed on; Retries the extra
	// runs transient errors earned.
	FailedRows, Retries int64
	// DeadLetters counts the failed rows written to dead-letter files
	// (udf.Prediction.DeadLetter), which the job's output leaves out.
	DeadLetters int64
	// Loads counts the model loads this job made (0 when the model was
	// already loaded in this process, never more than one per model),
	// LoadTime what they took.
	Loads    int64
	LoadTime time.Duration
	// Latency is the distribution of the function's run times per batch.
	Latency Latency
}

// String renders the metrics on one line, for logs.
func (u Metrics) String() string {
	return fmt.Sprintf("%s AS %s: %d rows in %d batches, %d failed, %d retries, %d loads (%s), batch latency %s",
		u.Function, u.Column, u.Rows, u.Batches, u.FailedRows, u.Retries, u.Loads, u.LoadTime.Round(time.Microsecond), u.Latency)
}

// Latency summarizes a distribution of durations.
type Latency struct {
	Count                    int
	Mean, P50, P90, P99, Max time.Duration
	// Buckets is the distribution as a histogram: Buckets[i] counts the
	// durations in (LatencyBounds[i-1], LatencyBounds[i]], the last one
	// those above every bound. Its counts add up to Count.
	Buckets [len(LatencyBounds) + 1]int64
}

// LatencyBounds are the upper bounds of Latency's histogram buckets:
// fixed, log-spaced in 1-2-5 steps from 10µs to 100s, so that histograms
// of different jobs, tasks and processes add up bucket by bucket.
var LatencyBounds = [...]time.Duration{
	10 * time.Microsecond, 20 * time.Microsecond, 50 * time.Microsecond,
	100 * time.Microsecond, 200 * time.Microsecond, 500 * time.Microsecond,
	time.Millisecond, 2 * time.Millisecond, 5 * time.Millisecond,
	10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond,
	100 * time.Millisecond, 200 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2 * time.Second, 5 * time.Second,
	10 * time.Second, 20 * time.Second, 50 * time.Second,
	100 * time.Second,
}

// latencyBucket returns the index in Latency.Buckets of a duration d.
func latencyBucket(d time.Duration) int {
	i, _ := slices.BinarySearch(LatencyBounds[:], d)
	return i
}

func (l Latency) String() string {
	r := func(d time.Duration) time.Duration { return d.Round(time.Microsecond) }
	return fmt.Sprintf("p50 %s, p90 %s, p99 %s, max %s over %d runs", r(l.P50), r(l.P90), r(l.P99), r(l.Max), l.Count)
}

// summarize computes a Latency from samples (it sorts them).
func summarize(samples []time.Duration) Latency {
	if len(samples) == 0 {
		return Latency{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	at := func(q float64) time.Duration { return samples[int(q*float64(len(samples)-1)+0.5)] }
	l := Latency{Count: len(samples), Mean: sum / time.Duration(len(samples)), P50: at(0.5), P90: at(0.9), P99: at(0.99), Max: samples[len(samples)-1]}
	for _, d := range samples {
		l.Buckets[latencyBucket(d)]++
	}
	return l
}
