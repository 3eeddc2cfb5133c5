package metrics

import (
	"net/http"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ember-df/ember/exec"
)

// Namespace prefixes every metric name.
const Namespace = "ember"

// Job and task states, the values of the "state" label.
const (
	StateSucceeded = "succeeded"
	StateFailed    = "failed"
)

// Exporter keeps the metrics of the jobs whose events it receives. It is
// an exec.Listener (give it to frame.WithListener); OnEvent only updates
// counters, so it never holds up a task. Serve Handler, or gather
// Registry, to read them.
//
//	m := metrics.New()
//	sess := frame.NewSession(frame.WithListener(m))
//	http.Handle("/metrics", m.Handler())
type Exporter struct {
	registry *prometheus.Registry

	jobs         *prometheus.CounterVec
	jobsRunning  prometheus.Gauge
	jobDuration  *prometheus.HistogramVec
	tasks        *prometheus.CounterVec
	rowsRead     prometheus.Counter
	batchesRead  prometheus.Counter
	rowsOutput   prometheus.Counter
	bytesRead    prometheus.Counter
	spilledBytes prometheus.Counter
	spillFiles   prometheus.Counter

	models *modelCollector
}

// New returns an Exporter with its metrics registered in a new registry.
func New() *Exporter {
	name := func(n string) string { return prometheus.BuildFQName(Namespace, "", n) }
	x := &Exporter{
		registry: prometheus.NewRegistry(),
		jobs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("jobs_total"),
			Help: "Jobs (actions) that ended, by state."}, []string{"state"}),
		jobsRunning: prometheus.NewGauge(prometheus.GaugeOpts{Name: name("jobs_running"),
			Help: "Jobs running now."}),
		jobDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name("job_duration_seconds"),
			Help:    "Wall time of the jobs that ended, by state.",
			Buckets: prometheus.ExponentialBuckets(0.001, 4, 12)}, []string{"state"}),
		tasks: prometheus.NewCounterVec(prometheus.CounterOpts{Name: name("tasks_total"),
			Help: "Tasks (one partition of one stage) that ended in this process, by state."}, []string{"state"}),
		rowsRead: prometheus.NewCounter(prometheus.CounterOpts{Name: name("rows_read_total"),
			Help: "Rows the scans of ended jobs produced."}),
		batchesRead: prometheus.NewCounter(prometheus.CounterOpts{Name: name("batches_read_total"),
			Help: "Batches the scans of ended jobs produced."}),
		rowsOutput: prometheus.NewCounter(prometheus.CounterOpts{Name: name("rows_output_total"),
			Help: "Rows ended jobs produced: collected, counted or written."}),
		bytesRead: prometheus.NewCounter(prometheus.CounterOpts{Name: name("bytes_read_total"),
			Help: "Bytes (in-memory Arrow size) of the batches the scans of ended stages produced in this process."}),
		spilledBytes: prometheus.NewCounter(prometheus.CounterOpts{Name: name("spilled_bytes_total"),
			Help: "Bytes (compressed, as on disk) jobs spilled because the memory budget was reached."}),
		spillFiles: prometheus.NewCounter(prometheus.CounterOpts{Name: name("spill_files_total"),
			Help: "Files jobs spilled to."}),
		models: newModelCollector(),
	}
	for _, state := range []string{StateSucceeded, StateFailed} {
		x.jobs.WithLabelValues(state) // present at 0 before the first job
		x.tasks.WithLabelValues(state)
	}
	x.registry.MustRegister(x.jobs, x.jobsRunning, x.jobDuration, x.tasks, x.rowsRead, x.batchesRead,
		x.rowsOutput, x.bytesRead, x.spilledBytes, x.spillFiles, x.models)
	return x
}

// Registry is the registry the Exporter's metrics live in: gather it, or
// register more collectors in it to serve them from Handler too.
func (x *Exporter) Registry() *prometheus.Registry { return x.registry }

// Handler serves the metrics in the Prometheus text exposition format (or
// in the format a scraper negotiates), for a GET /metrics route.
func (x *Exporter) Handler() http.Handler {
	return promhttp.HandlerFor(x.registry, promhttp.HandlerOpts{Registry: x.registry})
}

// OnEvent implements exec.Listener.
func (x *Exporter) OnEvent(e exec.Event) {
	switch e.Kind {
	case exec.JobStart:
		x.jobsRunning.Inc()
	case exec.TaskEnd:
		x.tasks.WithLabelValues(state(e.Error)).Inc()
	case exec.StageEnd:
		if t := e.StageTotals; t != nil {
			x.bytesRead.Add(float64(t.BytesRead))
		}
	case exec.JobEnd:
		x.jobsRunning.Dec()
		s := state(e.Error)
		x.jobs.WithLabelValues(s).Inc()
		m := e.Metrics
		if m == nil {
			return
		}
		x.jobDuration.WithLabelValues(s).Observe(m.Elapsed.Seconds())
		x.rowsRead.Add(float64(m.RowsRead))
		x.batchesRead.Add(float64(m.BatchesRead))
		x.rowsOutput.Add(float64(m.RowsOutput))
		x.spilledBytes.Add(float64(m.SpilledBytes))
		x.spillFiles.Add(float64(m.SpillFiles))
		for _, u := range m.UDFs {
			x.models.add(u)
		}
	}
}

func state(err string) string {
	if err != "" {
		return StateFailed
	}
	return StateSucceeded
}

// modelCollector keeps the metrics of each model (batch function) across
// jobs and hands them to Prometheus as constant metrics when gathered:
// the latency histogram is the sum of the jobs' exec.Latency histograms,
// whose fixed buckets (exec.LatencyBounds) add up.
type modelCollector struct {
	rows, batches, failedRows, deadLetters, retries, loads, loadSeconds, latency *prometheus.Desc

	mu     sync.Mutex
	models map[[2]string]*modelTotals // by function and column
}

type modelTotals struct {
	rows, batches, failedRows, deadLetters, retries, loads int64
	loadSeconds                                            float64
	latencyCount                                           uint64
	latencySum                                             float64                         // seconds
	latencyBuckets                                         [len(exec.LatencyBounds)]uint64 // non-cumulative, the last (+Inf) aside
}

func newModelCollector() *modelCollector {
	labels := []string{"function", "column"}
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "model", name), help, labels, nil)
	}
	return &modelCollector{
		rows:        desc("rows_total", "Rows given to the model (a batch tried again counts once)."),
		batches:     desc("batches_total", "Batches given to the model."),
		failedRows:  desc("failed_rows_total", "Rows the model failed on."),
		deadLetters: desc("dead_letter_rows_total", "Failed rows written to dead-letter files."),
		retries:     desc("retries_total", "Extra runs that transient errors earned."),
		loads:       desc("loads_total", "Times the model was loaded."),
		loadSeconds: desc("load_seconds_total", "Time spent loading the model."),
		latency:     desc("batch_latency_seconds", "Run time of the model per batch."),
		models:      map[[2]string]*modelTotals{},
	}
}

// add counts one job's metrics of a model.
func (c *modelCollector) add(u exec.UDFMetrics) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := [2]string{u.Function, u.Column}
	t := c.models[key]
	if t == nil {
		t = &modelTotals{}
		c.models[key] = t
	}
	t.rows += u.Rows
	t.batches += u.Batches
	t.failedRows += u.FailedRows
	t.deadLetters += u.DeadLetters
	t.retries += u.Retries
	t.loads += u.Loads
	t.loadSeconds += u.LoadTime.Seconds()
	t.latencyCount += uint64(u.Latency.Count)
	t.latencySum += u.Latency.Mean.Seconds() * float64(u.Latency.Count)
	for i := range t.latencyBuckets {
		t.latencyBuckets[i] += uint64(u.Latency.Buckets[i])
	}
}

// Describe implements prometheus.Collector.
func (c *modelCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.rows, c.batches, c.failedRows, c.deadLetters, c.retries, c.loads, c.loadSeconds, c.latency} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *modelCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for key, t := range c.models {
		counter := func(d *prometheus.Desc, v float64) {
			ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v, key[0], key[1])
		}
		counter(c.rows, float64(t.rows))
		counter(c.batches, float64(t.batches))
		counter(c.failedRows, float64(t.failedRows))
		counter(c.deadLetters, float64(t.deadLetters))
		counter(c.retries, float64(t.retries))
		counter(c.loads, float64(t.loads))
		counter(c.loadSeconds, t.loadSeconds)
		buckets := make(map[float64]uint64, len(exec.LatencyBounds))
		var cumulative uint64
		for i, bound := range exec.LatencyBounds {
			cumulative += t.latencyBuckets[i]
			buckets[bound.Seconds()] = cumulative
		}
		ch <- prometheus.MustNewConstHistogram(c.latency, t.latencyCount, t.latencySum, buckets, key[0], key[1])
	}
}

var _ exec.Listener = (*Exporter)(nil)
