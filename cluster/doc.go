// Package cluster runs ember's stage graphs on Apache Beam: on Prism, Beam's
// Go runner, in this process (the default), or on any portable job server
// (a Prism, Flink or Spark job server) with LOOPBACK, PROCESS or EXTERNAL
// workers. It is a nested module so that programs which never leave one
// machine do not download Beam.
//
//	sess := frame.NewSession(frame.WithRunner(cluster.Beam()))
//
// # Translation
//
// Beam sees only Impulse, ParDo, Flatten and GroupByKey. Every stage of the
// graph (exec.Graph) becomes one ParDo that runs one partition per element
// through exec.Execute, on a graph each task rebuilds from its wire form
// (exec.UnmarshalGraph). Its input is a GroupByKey keyed by the task's
// partition number over the union (Flatten) of
//
//   - one seed element per task, so that every task runs even when it
//     receives no rows (a global count of nothing is one row, 0), and
//   - the chunks of every exchange partition the task reads, routed to it
//     from the chunks the writing stage emitted (exec.Stage tells which
//     exchange partitions a task reads: one exchange may feed several
//     stages, and a task may read several partitions of it).
//
// A chunk is an Arrow IPC stream of one or more batches of one exchange
// partition written by one task, bounded in bytes (ChunkBytes; a single
// batch larger than the bound travels alone); its writing task and
// sequence number let the reading task restore the order exec.Shuffle
// promises. Nothing else crosses between stages: no side inputs, no state.
//
// # Results, metrics and errors
//
// Tasks write what the driver needs into a scratch location (Scratch):
// the result stage's output partitions as Arrow IPC files, one small JSON
// report per task (rows, batches, elapsed time, UDF metrics, the worker
// process), and, for a failed task, its error. A task writes each file in
// one piece under a name fixed by its (stage, partition), so a retried task
// replaces its own files. After the pipeline succeeds the driver reads
// them, hands the result partitions to the job's sink in partition order,
// merges the reports into exec.Metrics, and removes the scratch location.
// With Prism in this process the scratch location defaults to a mem://
// bucket of the job (a process-local registry); with worker processes it
// defaults to a local temporary directory, which only workers on this
// machine reach: set Scratch to shared storage (s3://…) on a real cluster.
//
// A write job's last stage commits its part files on the workers and hands
// out one row per file; exec.Write commits the job on the driver once Run
// returns, so a failed or cancelled pipeline leaves nothing visible.
//
// # Workers
//
// Functions, sources and models travel by registered name (plan.Marshal):
// a plan holding a Go closure is refused before submission. A worker binary
// is the user's program, or cmd/ember-beam-worker, built with the same
// registrations, and calls Init at the start of main. Models load once per
// worker process (package udf's process-wide cache, whichever DoFn instance
// asks first); Job.Processes reports the loads of each process.
package cluster
