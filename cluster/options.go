package cluster

import (
	"strings"
)

// Option configures the Beam runner: see Beam.
type Option func(*config)

type config struct {
	endpoint    string
	environment string
	envConfig   string
	worker      string
	scratch     string
	jobName     string
	chunkBytes  int64
	parallelism int
	experiments []string
	onJob       func(Job)
}

// DefaultChunkBytes bounds the Arrow IPC bytes of one exchange element:
// large enough that per-element costs vanish, small enough for every
// runner's element and message limits.
const DefaultChunkBytes = 8 << 20

// Endpoint submits jobs to the portable job server at addr (host:port):
// a Prism, Flink or Spark job server. Without it, jobs run on a Prism
// started in this process.
func Endpoint(addr string) Option { return func(c *config) { c.endpoint = addr } }

// Environment selects where the job server runs the workers, as Beam's
// --environment_type: "LOOPBACK" (this process serves as the worker; the
// default), "PROCESS" (the job server starts the command EnvironmentConfig
// names — Beam's Go boot loader — on its machine, which starts
// WorkerBinary) or "EXTERNAL" (a worker pool already running at the address
// EnvironmentConfig names, such as `boot --worker_pool`).
func Environment(kind string) Option {
	return func(c *config) { c.environment = strings.ToUpper(kind) }
}

// EnvironmentConfig is Beam's --environment_config: for PROCESS, the boot
// loader's path (or a JSON ProcessPayload, {"command": …, "env": {…}});
// for EXTERNAL, the worker pool's address.
func EnvironmentConfig(cfg string) Option { return func(c *config) { c.envConfig = cfg } }

// WorkerBinary is the pre-built worker program staged to PROCESS and
// EXTERNAL workers (Beam's --worker_binary): a Linux build of a program
// that calls Init first and registers every source, function and model
// kind the plans use (cmd/ember-beam-worker does for ember's own). Without
// it, Beam would compile one from the current directory, which takes
// minutes and fails outside the main module, so Run refuses.
func WorkerBinary(path string) Option { return func(c *config) { c.worker = path } }

// Scratch is the location (any storage path: a directory, s3://…) where
// tasks leave the result partitions, task reports and errors for the
// driver. Every worker and the driver must reach it. The default is a
// mem:// bucket for workers in this process (LOOPBACK), and a directory
// under os.TempDir otherwise — only right when the workers run on this
// machine.
func Scratch(path string) Option { return func(c *config) { c.scratch = path } }

// JobName names the Beam jobs (Beam's --job_name); default "ember-<id>".
func JobName(name string) Option { return func(c *config) { c.jobName = name } }

// ChunkBytes bounds the Arrow IPC bytes of one exchange element
// (DefaultChunkBytes when n ≤ 0).
func ChunkBytes(n int64) Option { return func(c *config) { c.chunkBytes = n } }

// Parallelism asks the job server to run at most n tasks at once (Beam's
// --parallelism; Flink reads it, Prism ignores it).
func Parallelism(n int) Option { return func(c *config) { c.parallelism = n } }

// Experiments passes Beam experiments (--experiments) to the job server.
func Experiments(names ...string) Option {
	return func(c *config) { c.experiments = append(c.experiments, names...) }
}

// OnJob calls fn once per job, after it ended (succeeded or not), with
// what the runner learnt of it: for progress displays and tests.
func OnJob(fn func(Job)) Option { return func(c *config) { c.onJob = fn } }
