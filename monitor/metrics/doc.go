// Package metrics exports what a session's jobs did as Prometheus
// metrics: an Exporter is an exec.Listener that keeps counters and
// histograms across jobs — jobs and tasks by state, rows and bytes read,
// rows written, spill, and per model its rows, batches, failed rows,
// retries, loads and batch latency histogram — and serves them in the
// Prometheus text exposition format from Handler (the web UI mounts it at
// /metrics). docs/monitoring.md lists the metrics and says why
// Prometheus.
//
// The Exporter registers its metrics in a registry of its own, never in
// the process-wide default one, so that several sessions (and the
// program's own metrics) do not collide.
package metrics
