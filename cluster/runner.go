package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/core/runtime/graphx"
	jobpb "github.com/apache/beam/sdks/v2/go/pkg/beam/model/jobmanagement_v1"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/prism"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal/extworker"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/runners/universal/runnerlib"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/util/grpcx"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/storage"
)

// Runner runs stage graphs as Beam jobs: see Beam and the package doc.
// It is safe for concurrent use; each Run is one Beam job.
type Runner struct {
	cfg config
}

var _ exec.Runner = (*Runner)(nil)

// Beam returns a runner that runs every job of a session as an Apache
// Beam pipeline: on Prism in this process by default, or on the job
// server Endpoint names.
func Beam(opts ...Option) *Runner {
	r := &Runner{cfg: config{chunkBytes: DefaultChunkBytes}}
	for _, o := range opts {
		o(&r.cfg)
	}
	if r.cfg.chunkBytes <= 0 {
		r.cfg.chunkBytes = DefaultChunkBytes
	}
	if r.cfg.environment == "" {
		r.cfg.environment = "LOOPBACK"
	}
	return r
}

// Job is what the runner learnt of one Beam job.
type Job struct {
	// ID names the job's scratch files and Beam job name; BeamID is the
	// job server's id for it.
	ID, BeamID string
	// State is the job's final state: DONE, FAILED or CANCELLED.
	State string
	// Metrics are the job's metrics, merged from its task reports.
	Metrics exec.Metrics
	// Processes are the worker processes that ran its tasks, by ID.
	Processes []Process
	// Err is what Run returned.
	Err error
}

// Process is one worker process's share of a job.
type Process struct {
	// ID is host/pid/random.
	ID string
	// Tasks is the number of tasks it ran.
	Tasks int
	// ModelLoads is the number of model loads it made for the job: at
	// most one per model, as models load once per process.
	ModelLoads int64
}

// TaskError is the error of a failed task, as the driver learns it: the
// first task that failed, by the time it ended.
type TaskError struct {
	Stage, Partition int
	// Process is the worker process it ran in.
	Process string
	// Message is the task's error text (errors do not travel as values).
	Message string
}

// Error implements error: the task's message, which names its stage and
// partition.
func (e *TaskError) Error() string { return e.Message }

// Run implements exec.Runner: it submits g as a Beam job, waits for it,
// then hands the result stage's partitions to sink, in partition order.
// Cancelling ctx cancels the job. A plan that cannot travel (a Go closure,
// an unregistered function or source) is refused before anything is
// submitted, with plan.ErrNotPortable's message naming it.
func (r *Runner) Run(ctx context.Context, g *exec.Graph, sink exec.Sink) (exec.Metrics, error) {
	start := time.Now()
	defer g.Finish()
	job := Job{ID: newJobID()}
	m, err := r.run(ctx, g, sink, &job)
	m.Elapsed = time.Since(start)
	job.Metrics, job.Err = m, err
	if r.cfg.onJob != nil {
		r.cfg.onJob(job)
	}
	return m, err
}

func (r *Runner) run(ctx context.Context, g *exec.Graph, sink exec.Sink, job *Job) (exec.Metrics, error) {
	base := exec.Metrics{Partitions: g.Result().Partitions(), Stages: len(g.Stages())}
	wire, err := g.Marshal()
	if err != nil {
		return base, fmt.Errorf("cluster: the plan cannot run on Beam: %w", err)
	}
	loopback := r.cfg.environment == "LOOPBACK"
	if !loopback && r.cfg.worker == "" {
		return base, errors.New("cluster: environment " + r.cfg.environment + " needs a pre-built WorkerBinary")
	}
	if r.cfg.environment == "PROCESS" && r.cfg.envConfig == "" {
		return base, errors.New("cluster: environment PROCESS needs EnvironmentConfig: the boot loader's path")
	}
	scratch := r.cfg.scratch
	if scratch == "" {
		if loopback {
			scratch = "mem://ember-beam-" + job.ID + "/"
		} else {
			scratch = filepath.Join(os.TempDir(), "ember-beam-"+job.ID)
		}
	} else {
		scratch = storage.Join(scratch, job.ID)
	}
	defer func() {
		if strings.HasPrefix(scratch, "mem://") {
			storage.DropMemBucket(strings.TrimSuffix(strings.TrimPrefix(scratch, "mem://"), "/"))
		} else {
			_ = storage.RemoveAll(context.WithoutCancel(ctx), scratch)
		}
	}()
	if loopback {
		localJobs.Store(job.ID, &localJob{ctx: ctx, mem: g.Config().Allocator})
		defer localJobs.Delete(job.ID)
	}
	p, err := buildPipeline(g, pipelineSpec{job: job.ID, wire: wire, scratch: scratch, chunkBytes: r.cfg.chunkBytes})
	if err != nil {
		return base, err
	}
	state, runErr := r.execute(ctx, p, job)
	job.State = state

	reports, rerr := readReports(context.WithoutCancel(ctx), scratch)
	m := merge(base, reports, job)
	if runErr != nil || state != jobpb.JobState_DONE.String() {
		if ctx.Err() != nil {
			return m, fmt.Errorf("cluster: job %s: %w", job.ID, context.Cause(ctx))
		}
		if te := firstFailure(reports); te != nil {
			return m, fmt.Errorf("cluster: job %s failed: %w", job.ID, te)
		}
		if runErr == nil {
			runErr = errors.New("ended " + state)
		}
		return m, fmt.Errorf("cluster: job %s failed: %w", job.ID, runErr)
	}
	if rerr != nil {
		return m, rerr
	}
	mem := g.Config().Allocator
	for part := 0; part < g.Result().Partitions(); part++ {
		if err := deliver(ctx, scratch, part, mem, sink); err != nil {
			return m, err
		}
	}
	return m, nil
}

// execute submits the pipeline and waits for it to end, cancelling the
// job when ctx ends. It returns the job's final state.
func (r *Runner) execute(ctx context.Context, p *beam.Pipeline, job *Job) (string, error) {
	initOnce.Do(beam.Init)
	edges, _, err := p.Build()
	if err != nil {
		return "", fmt.Errorf("cluster: building the pipeline: %w", err)
	}
	var client jobpb.JobServiceClient
	if r.cfg.endpoint == "" {
		client, err = inProcessPrism()
	} else {
		cc, derr := grpcx.Dial(ctx, r.cfg.endpoint, 2*time.Minute)
		if derr != nil {
			return "", fmt.Errorf("cluster: connecting to the job server %s: %w", r.cfg.endpoint, derr)
		}
		defer cc.Close()
		client = jobpb.NewJobServiceClient(cc)
	}
	if err != nil {
		return "", err
	}

	urn, envConfig := "beam:env:external:v1", r.cfg.envConfig
	bin := r.cfg.worker
	switch r.cfg.environment {
	case "LOOPBACK":
		lb, err := extworker.StartLoopback(ctx, 0)
		if err != nil {
			return "", fmt.Errorf("cluster: starting the loopback worker: %w", err)
		}
		defer lb.Stop(context.WithoutCancel(ctx))
		envConfig = lb.EnvironmentConfig(ctx)
		// Nothing runs the binary; Beam still stages one.
		f, err := os.CreateTemp("", "ember-beam-loopback-*")
		if err != nil {
			return "", err
		}
		f.Close()
		defer os.Remove(f.Name())
		bin = f.Name()
	case "PROCESS":
		urn = "beam:env:process:v1"
		if !strings.HasPrefix(strings.TrimSpace(envConfig), "{") {
			cmd, _ := json.Marshal(map[string]string{"command": envConfig})
			envConfig = string(cmd)
		}
	case "EXTERNAL":
	default:
		return "", fmt.Errorf("cluster: unknown environment %q (want LOOPBACK, PROCESS or EXTERNAL)", r.cfg.environment)
	}
	env, err := graphx.CreateEnvironment(ctx, urn, func(context.Context) string { return envConfig })
	if err != nil {
		return "", fmt.Errorf("cluster: environment: %w", err)
	}
	pipeline, err := graphx.Marshal(edges, &graphx.Options{Environment: env})
	if err != nil {
		return "", fmt.Errorf("cluster: encoding the pipeline: %w", err)
	}
	if err := runnerlib.UpdateGoEnvironmentWorker(bin, pipeline); err != nil {
		return "", fmt.Errorf("cluster: worker binary: %w", err)
	}
	name := r.cfg.jobName
	if name == "" {
		name = "ember-" + job.ID
	}
	opts := &runnerlib.JobOptions{Name: name, Experiments: r.cfg.experiments, Worker: bin,
		Parallelism: r.cfg.parallelism, Loopback: r.cfg.environment == "LOOPBACK"}
	// Prepare exports Beam's process-wide pipeline options.
	prepareMu.Lock()
	prepID, artifacts, token, err := runnerlib.Prepare(ctx, client, pipeline, opts)
	prepareMu.Unlock()
	if err != nil {
		return "", fmt.Errorf("cluster: preparing the job: %w", err)
	}
	if token, err = runnerlib.Stage(ctx, prepID, artifacts, bin, token); err != nil {
		return "", fmt.Errorf("cluster: staging the worker binary: %w", err)
	}
	beamID, err := runnerlib.Submit(ctx, client, prepID, token)
	if err != nil {
		return "", fmt.Errorf("cluster: submitting the job: %w", err)
	}
	job.BeamID = beamID

	// The wait has its own context: when ctx ends, the job is cancelled
	// and the wait goes on until the job server says it ended.
	waitCtx, stopWait := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWait()
	done := make(chan error, 1)
	go func() { done <- runnerlib.WaitForCompletion(waitCtx, client, beamID) }()
	var waitErr error
	select {
	case waitErr = <-done:
	case <-ctx.Done():
		cctx, cancel := context.WithTimeout(waitCtx, cancelWait)
		_, _ = client.Cancel(cctx, &jobpb.CancelJobRequest{JobId: beamID})
		select {
		case waitErr = <-done:
		case <-cctx.Done():
			stopWait()
			waitErr = <-done
		}
		cancel()
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelWait)
	defer cancel()
	st, err := client.GetState(sctx, &jobpb.GetJobStateRequest{JobId: beamID})
	if err != nil {
		if waitErr == nil {
			waitErr = err
		}
		return "UNKNOWN", waitErr
	}
	return st.GetState().String(), waitErr
}

// cancelWait bounds how long a cancelled job may take to say it ended.
const cancelWait = 30 * time.Second

var (
	initOnce  sync.Once
	prepareMu sync.Mutex

	prismOnce   sync.Once
	prismClient jobpb.JobServiceClient
	prismErr    error
)

// inProcessPrism returns a client of the Prism job server this process
// runs for every job without an Endpoint; it starts on first use and
// lives as long as the process.
func inProcessPrism() (jobpb.JobServiceClient, error) {
	prismOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		prismClient, prismErr = prism.CreateJobServer(ctx, prism.Options{})
		if prismErr != nil {
			prismErr = fmt.Errorf("cluster: starting Prism: %w", prismErr)
		}
	})
	return prismClient, prismErr
}

// newJobID names a job uniquely across processes: time, this process's
// random part, a sequence number.
func newJobID() string {
	return fmt.Sprintf("%s-%s-%d", time.Now().UTC().Format("20060102-150405"), processID[strings.LastIndex(processID, "/")+1:], jobSeq.Add(1))
}

// firstFailure returns the error of the task that failed first.
func firstFailure(reports []taskReport) *TaskError {
	var first *taskReport
	for i := range reports {
		r := &reports[i]
		if r.Error != "" && (first == nil || r.EndedAt < first.EndedAt) {
			first = r
		}
	}
	if first == nil {
		return nil
	}
	return &TaskError{Stage: first.Stage, Partition: first.Partition, Process: first.Process, Message: first.Error}
}

// merge adds the task reports to m and lists the processes in job.
func merge(m exec.Metrics, reports []taskReport, job *Job) exec.Metrics {
	procs := map[string]*Process{}
	udfs := map[[2]string]*udfMerge{}
	var order [][2]string
	for _, r := range reports {
		m.Tasks++
		m.RowsRead += r.RowsRead
		m.BatchesRead += r.BatchesRead
		if r.Stage == m.Stages-1 {
			m.RowsOutput += r.RowsOutput
		}
		pr := procs[r.Process]
		if pr == nil {
			pr = &Process{ID: r.Process}
			procs[r.Process] = pr
		}
		pr.Tasks++
		for _, u := range r.UDFs {
			pr.ModelLoads += u.Loads
			k := [2]string{u.Function, u.Column}
			if udfs[k] == nil {
				udfs[k] = &udfMerge{}
				order = append(order, k)
			}
			udfs[k].add(u)
		}
	}
	for _, k := range order {
		m.UDFs = append(m.UDFs, udfs[k].m)
	}
	for _, pr := range procs {
		job.Processes = append(job.Processes, *pr)
	}
	sort.Slice(job.Processes, func(i, j int) bool { return job.Processes[i].ID < job.Processes[j].ID })
	return m
}

// udfMerge sums one function's metrics over tasks. Latency percentiles
// do not add up: the merged ones are the largest of any task's, the mean
// is weighted by the runs.
type udfMerge struct {
	m   exec.UDFMetrics
	sum time.Duration
}

func (u *udfMerge) add(t exec.UDFMetrics) {
	u.m.Function, u.m.Column = t.Function, t.Column
	u.m.Rows += t.Rows
	u.m.Batches += t.Batches
	u.m.FailedRows += t.FailedRows
	u.m.DeadLetters += t.DeadLetters
	u.m.Retries += t.Retries
	u.m.Loads += t.Loads
	u.m.LoadTime += t.LoadTime
	l := &u.m.Latency
	l.Count += t.Latency.Count
	u.sum += t.Latency.Mean * time.Duration(t.Latency.Count)
	if l.Count > 0 {
		l.Mean = u.sum / time.Duration(l.Count)
	}
	l.P50, l.P90, l.P99, l.Max = max(l.P50, t.Latency.P50), max(l.P90, t.Latency.P90), max(l.P99, t.Latency.P99), max(l.Max, t.Latency.Max)
	for i, n := range t.Latency.Buckets { // fixed bounds: histograms add up
		l.Buckets[i] += n
	}
}
