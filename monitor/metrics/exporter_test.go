package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/metrics"
	"github.com/ember-df/ember/udf"
)

// halver is a Go model: it halves a float64 column, or fails every batch
// when down.
type halver struct {
	key  string
	down bool
}

func (m *halver) Name() string     { return "halver" }
func (m *halver) Key() string      { return m.key }
func (m *halver) Hints() udf.Hints { return udf.Hints{} }
func (m *halver) Bind(in []arrow.Field) ([]arrow.Field, error) {
	if len(in) != 1 || in[0].Type.ID() != arrow.FLOAT64 {
		return nil, fmt.Errorf("halver takes one float64 column, got %v", in)
	}
	return []arrow.Field{{Name: "half", Type: arrow.PrimitiveTypes.Float64}}, nil
}
func (m *halver) Load(context.Context, udf.LoadOptions) (udf.Loaded, error) { return m, nil }
func (m *halver) Close() error                                              { return nil }
func (m *halver) Predict(ctx context.Context, in []arrow.Array, rows int) ([]arrow.Array, error) {
	if m.down {
		return nil, errors.New("the model is down")
	}
	x := in[0].(*array.Float64)
	b := array.NewFloat64Builder(compute.GetAllocator(ctx))
	defer b.Release()
	for i := range rows {
		b.Append(x.Value(i) / 2)
	}
	return []arrow.Array{b.NewArray()}, nil
}

// scrape GETs the exporter's handler and parses the answer with
// Prometheus's own text parser.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("GET /metrics: %s, Content-Type %q", resp.Status, ct)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return families
}

// value is the value of the family's sample whose labels are labels
// ("name=value" pairs), failing the test when there is none.
func value(t *testing.T, families map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	t.Helper()
	f := families[name]
	if f == nil {
		t.Fatalf("no metric %s", name)
	}
	for _, m := range f.Metric {
		var have []string
		for _, l := range m.Label {
			have = append(have, l.GetName()+"="+l.GetValue())
		}
		if strings.Join(have, ",") != strings.Join(labels, ",") {
			continue
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue()
		case m.Gauge != nil:
			return m.Gauge.GetValue()
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount())
		}
	}
	t.Fatalf("no sample of %s with labels %v", name, labels)
	return 0
}

// TestExporterCountsJobs runs real jobs — a CSV scan through a Go
// function, one that succeeds and one whose function fails — and reads
// the metrics back through Prometheus's parser.
func TestExporterCountsJobs(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	dir := t.TempDir()
	var csv strings.Builder
	csv.WriteString("id,x\n")
	for i := range 1000 {
		fmt.Fprintf(&csv, "%d,%d.5\n", i, i%7)
	}
	path := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(path, []byte(csv.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	exporter := metrics.New()
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithListener(exporter), frame.WithBatchSize(100, 0))
	defer sess.Close()
	ctx := context.Background()

	before := scrape(t, exporter.Handler())
	if v := value(t, before, "ember_jobs_total", "state=succeeded"); v != 0 {
		t.Errorf("jobs before any ran: %v", v)
	}

	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(path).WithColumn("y", udf.Predict(&halver{key: t.Name()}, "x").BatchRows(100))
	n, err := df.Filter(frame.Col("y").Ge(frame.Lit(0.0))).Count(ctx)
	if err != nil || n != 1000 {
		t.Fatalf("Count = %d, %v", n, err)
	}
	if _, err := df.WithColumn("z", udf.Predict(&halver{key: t.Name() + "-down", down: true}, "x")).Filter(frame.Col("z").Ge(frame.Lit(0.0))).Count(ctx); err == nil {
		t.Fatal("the failing job succeeded")
	}
	jobs := sess.Jobs()
	ok := jobs[0].Metrics

	got := scrape(t, exporter.Handler())
	checks := []struct {
		name   string
		labels []string
		want   float64
	}{
		{"ember_jobs_total", []string{"state=succeeded"}, 1},
		{"ember_jobs_total", []string{"state=failed"}, 1},
		{"ember_jobs_running", nil, 0},
		{"ember_job_duration_seconds", []string{"state=succeeded"}, 1},
		{"ember_rows_read_total", nil, float64(ok.RowsRead + jobs[1].Metrics.RowsRead)},
		{"ember_model_rows_total", []string{"column=y", "function=predict[halver]"}, float64(ok.UDFs[0].Rows)},
		{"ember_model_batches_total", []string{"column=y", "function=predict[halver]"}, float64(ok.UDFs[0].Batches)},
		{"ember_model_batch_latency_seconds", []string{"column=y", "function=predict[halver]"}, float64(ok.UDFs[0].Latency.Count)},
	}
	for _, c := range checks {
		if v := value(t, got, c.name, c.labels...); v != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.labels, v, c.want)
		}
	}
	// The failing job's tasks may have ended either way, but one failed.
	if v := value(t, got, "ember_tasks_total", "state=succeeded"); v < float64(ok.Tasks) {
		t.Errorf("tasks succeeded %v, the first job alone ran %d", v, ok.Tasks)
	}
	if v := value(t, got, "ember_tasks_total", "state=failed"); v < 1 {
		t.Errorf("tasks failed %v", v)
	}
	if ok.RowsRead != 1000 || ok.UDFs[0].Rows < 1000 || ok.UDFs[0].Batches < 10 {
		t.Errorf("the job's own metrics: %+v", ok)
	}
	// Bytes read are the Arrow size of the scanned batches: at least the
	// first job's 1000 float64s of x (id is pruned).
	if v := value(t, got, "ember_bytes_read_total"); v < 8*1000 {
		t.Errorf("bytes read %v, want at least %d", v, 8*1000)
	}
	// The histogram's buckets are cumulative and end with every sample.
	h := got["ember_model_batch_latency_seconds"].Metric[0].Histogram
	var last uint64
	for _, b := range h.Bucket {
		if b.GetCumulativeCount() < last {
			t.Errorf("bucket %v goes down: %v", b.GetUpperBound(), h)
		}
		last = b.GetCumulativeCount()
	}
	if last > h.GetSampleCount() || h.GetSampleSum() <= 0 {
		t.Errorf("histogram %v", h)
	}
}
