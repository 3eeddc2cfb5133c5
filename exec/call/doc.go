// Package call is the model-call runtime: it runs batch functions
// (models, plan.BatchFunction) inside a job. Node is the physical node of
// a plan.Evaluate; its operators gather input rows into batches of the
// function's own size, run them — one at a time, or ahead on several
// workers with backpressure, or through an iterator function — and append
// the results to the input rows in order.
//
// It owns what a model call needs around the function itself: opening it
// once per job for every partition, retries of transient errors with
// backoff, finding the failed rows of a failed batch, the error policies
// (fail fast, NULL with an error column, dead-letter files written
// through package storage), and the per-call metrics (Metrics) that
// exec.Metrics reports.
//
// The job hands a Node what it needs explicitly (Env); operators take
// the job's allocator from their context, as every operator does.
package call
