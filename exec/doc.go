// Package exec runs logical plans: it turns an optimized plan into a Graph
// of stages cut at exchanges, runs one task (a partition of a stage) with
// Execute, moves rows across exchanges through a Shuffle, and schedules
// the tasks of a job with a Runner (Local: this process's cores). It owns
// the relational operators (scan, project, filter, limit, coalesce, union,
// map-batches, aggregate, sort, the repartition routing), the memory
// budget and the job's metrics, and Write, which runs a write job through
// the commit protocol.
//
// Each partition is a pull pipeline: the driver calls Next on the root
// operator, which calls Next on its input, one batch at a time. In-flight
// data is therefore bounded by the number of partitions running at once
// (Config.Parallelism) times the batch bounds (rows and bytes), whatever
// the input size. Exchanges, sorts and aggregates hold their input under
// Config.MemoryBudget and spill to Config.SpillDir beyond it; only a
// budget too small for one batch fails (ErrMemoryBudget).
//
// The rest of the executor lives in sub-packages, each a seam of its own:
//
//   - exec/op: the contracts every operator implements (PhysicalNode,
//     Operator), shared by exec and its sub-packages;
//   - exec/eval: expression evaluation, kernels, casts, key encoding;
//   - exec/call: the model-call runtime (batch functions and their error
//     policies, retries, dead letters, per-call metrics);
//   - exec/commit: the commit protocol over package storage, the part-file
//     task writer and the _SUCCESS manifest.
package exec
