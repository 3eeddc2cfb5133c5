// Package ui is ember's web UI, modelled on Spark's: a Store that listens
// to job events (exec.Listener) and keeps the last jobs with their stages,
// partitions, plans and model metrics, pages that show them (jobs, a job
// with its stages and models, a stage with its partitions and its models'
// latency histograms, the plan cut into stages), and a JSON API:
//
//	GET /api/jobs       the jobs, oldest first: id, description, state, rows, durationMs, …
//	GET /api/jobs/{id}  one job, with its stages (each with its partitions), plan and models
//
// A Server serves a Store on a local address until Close (frame.WithUI
// starts one for a session); ServeHistory serves the finished jobs of an
// event log directory (ember ui EVENTLOG_DIR). Pages and the small script
// that refreshes them while a job runs are embedded in the binary: the UI
// needs no network beyond its own socket. docs/ui.md describes it.
package ui
