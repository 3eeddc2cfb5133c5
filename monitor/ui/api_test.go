package ui_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/ui"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// irisDir holds the iris data set and its random forest (examples/iris).
var irisDir = filepath.Join("..", "..", "examples", "iris")

// scoreIris writes the iris flowers with the random forest's prediction
// as CSV to out, with sess: one job, whose model call the UI shows.
func scoreIris(t *testing.T, ctx context.Context, sess *frame.Session, out string) {
	t.Helper()
	onnxtest.RequireRuntime(t)
	model, err := onnx.Load(filepath.Join(irisDir, "iris_random_forest.onnx"), onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { udf.Unload(model) })
	iris := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(filepath.Join(irisDir, "iris.csv"))
	scored := iris.Repartition(3).WithColumn("prediction",
		udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width").
			Labels("setosa", "versicolor", "virginica"))
	if err := scored.Write().Option("header", "true").CSV(ctx, out); err != nil {
		t.Fatal(err)
	}
}

// getJSON fetches url and decodes its JSON body into a generic value, so
// that the test checks the API's field names as a client sees them.
func getJSON(t *testing.T, url string, into any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET %s: %s (%s): %s", url, resp.Status, resp.Header.Get("Content-Type"), body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: %v: %s", url, err, body)
	}
}

// keys returns the sorted keys of a JSON object.
func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func num(t *testing.T, m map[string]any, key string) float64 {
	t.Helper()
	v, ok := m[key].(float64)
	if !ok {
		t.Fatalf("%q is %T %v, want a number (in %v)", key, m[key], m[key], keys(m))
	}
	return v
}

// TestAPIFieldByField runs a job with a real model (the iris random
// forest on ONNX Runtime) in a session whose listener is a Store, and
// checks every field of GET /api/jobs and GET /api/jobs/{id} against what
// the job did (frame.Session.Jobs' metrics).
func TestAPIFieldByField(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	store := ui.NewStore(0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithListener(store), frame.WithParallelism(2))
	defer sess.Close()
	ctx := context.Background()
	out := filepath.Join(t.TempDir(), "scored")
	scoreIris(t, ctx, sess, out)
	done := sess.Jobs()
	if len(done) != 1 {
		t.Fatalf("%d jobs, want 1", len(done))
	}
	want := done[0]

	srv := httptest.NewServer(store.Handler())
	defer srv.Close()

	var jobs []map[string]any
	getJSON(t, srv.URL+"/api/jobs", &jobs)
	if len(jobs) != 1 {
		t.Fatalf("/api/jobs lists %d jobs, want 1: %v", len(jobs), jobs)
	}
	job := jobs[0]
	wantKeys := []string{"completionTime", "description", "durationMs", "id", "numActiveTasks", "numCompletedTasks", "numFailedTasks",
		"numStages", "numTasks", "rows", "rowsOutput", "state", "submissionTime"}
	if got := keys(job); !slices.Equal(got, wantKeys) {
		t.Errorf("a job's fields are %v, want %v", got, wantKeys)
	}
	if num(t, job, "id") != float64(want.ID) {
		t.Errorf("id %v, want %d", job["id"], want.ID)
	}
	if job["description"] != "Write csv "+out {
		t.Errorf("description %q, want %q", job["description"], "Write csv "+out)
	}
	if job["state"] != ui.StateSucceeded {
		t.Errorf("state %v, want SUCCEEDED", job["state"])
	}
	if num(t, job, "rows") != 150 || num(t, job, "rows") != float64(want.Metrics.RowsRead) {
		t.Errorf("rows %v, want the 150 flowers read (metrics: %d)", job["rows"], want.Metrics.RowsRead)
	}
	if num(t, job, "rowsOutput") != float64(want.Metrics.RowsOutput) {
		t.Errorf("rowsOutput %v, want %d", job["rowsOutput"], want.Metrics.RowsOutput)
	}
	// The store's clock is the events': JobStart to JobEnd, within the
	// action's own start and end.
	if d := num(t, job, "durationMs"); d < 0 || d > float64(want.Finished.Sub(want.Started).Milliseconds()) {
		t.Errorf("durationMs %v, want within the action's %v", d, want.Finished.Sub(want.Started))
	}
	if num(t, job, "numStages") != float64(want.Metrics.Stages) || want.Metrics.Stages < 2 {
		t.Errorf("numStages %v, want %d (a repartition makes two)", job["numStages"], want.Metrics.Stages)
	}
	if num(t, job, "numCompletedTasks") != float64(want.Metrics.Tasks) || num(t, job, "numFailedTasks") != 0 || num(t, job, "numActiveTasks") != 0 {
		t.Errorf("tasks: %v completed, %v failed, %v active; want %d, 0, 0", job["numCompletedTasks"], job["numFailedTasks"], job["numActiveTasks"], want.Metrics.Tasks)
	}

	var detail map[string]any
	getJSON(t, srv.URL+"/api/jobs/1", &detail)
	for _, k := range wantKeys {
		if _, ok := detail[k]; !ok {
			t.Errorf("/api/jobs/1 lacks %q, which /api/jobs has", k)
		}
	}
	for _, k := range []string{"stages", "plan", "models", "spilledBytes"} {
		if _, ok := detail[k]; !ok {
			t.Errorf("/api/jobs/1 lacks %q (it has %v)", k, keys(detail))
		}
	}
	plan, _ := detail["plan"].(map[string]any)
	if got := keys(plan); !slices.Equal(got, []string{"logical", "optimized", "physical"}) {
		t.Errorf("plan's fields are %v", got)
	}
	if p, _ := plan["physical"].(string); !strings.Contains(p, "Stage 0") || !strings.Contains(p, "Stage 1") {
		t.Errorf("the physical plan does not show the stages:\n%s", p)
	}
	if p, _ := plan["logical"].(string); !strings.Contains(p, "prediction") {
		t.Errorf("the logical plan does not show the model's column:\n%s", p)
	}

	stages, _ := detail["stages"].([]any)
	if len(stages) != want.Metrics.Stages {
		t.Fatalf("%d stages, want %d", len(stages), want.Metrics.Stages)
	}
	var rowsRead, tasks float64
	for i, s := range stages {
		st := s.(map[string]any)
		wantStageKeys := []string{"bytes", "durationMs", "id", "inputs", "numActiveTasks", "numCompletedTasks", "numFailedTasks",
			"numPartitions", "operators", "output", "partitions", "rows", "rowsOutput", "state"}
		if got := keys(st); !slices.Equal(got, wantStageKeys) {
			t.Errorf("stage %d's fields are %v, want %v", i, got, wantStageKeys)
		}
		if num(t, st, "id") != float64(i) || st["state"] != ui.StageComplete {
			t.Errorf("stage %d: id %v, state %v; want %d, COMPLETE", i, st["id"], st["state"], i)
		}
		parts, _ := st["partitions"].([]any)
		if float64(len(parts)) != num(t, st, "numPartitions") || num(t, st, "numCompletedTasks") != float64(len(parts)) {
			t.Errorf("stage %d: %d partitions listed, numPartitions %v, numCompletedTasks %v", i, len(parts), st["numPartitions"], st["numCompletedTasks"])
		}
		var stageRows, stageBytes, stageOut float64
		for j, p := range parts {
			part := p.(map[string]any)
			wantPartKeys := []string{"attempts", "batches", "bytes", "durationMs", "failures", "index", "retries", "rows", "rowsOutput", "state"}
			if got := keys(part); !slices.Equal(got, wantPartKeys) {
				t.Errorf("stage %d partition %d's fields are %v, want %v", i, j, got, wantPartKeys)
			}
			if num(t, part, "index") != float64(j) || part["state"] != ui.TaskSucceeded || num(t, part, "attempts") != 1 ||
				num(t, part, "retries") != 0 || num(t, part, "failures") != 0 || num(t, part, "durationMs") < 0 {
				t.Errorf("stage %d partition %d: %v", i, j, part)
			}
			if (num(t, part, "rows") > 0) != (num(t, part, "bytes") > 0) || num(t, part, "batches") > num(t, part, "rows") {
				t.Errorf("stage %d partition %d: rows, batches and bytes disagree: %v", i, j, part)
			}
			stageRows += num(t, part, "rows")
			stageBytes += num(t, part, "bytes")
			stageOut += num(t, part, "rowsOutput")
		}
		if stageRows != num(t, st, "rows") || stageBytes != num(t, st, "bytes") || stageOut != num(t, st, "rowsOutput") {
			t.Errorf("stage %d: its partitions add up to %v rows, %v bytes, %v out; the stage says %v, %v, %v",
				i, stageRows, stageBytes, stageOut, st["rows"], st["bytes"], st["rowsOutput"])
		}
		rowsRead += stageRows
		tasks += float64(len(parts))
	}
	if rowsRead != float64(want.Metrics.RowsRead) || tasks != float64(want.Metrics.Tasks) {
		t.Errorf("the stages read %v rows in %v tasks; the job's metrics say %d in %d", rowsRead, tasks, want.Metrics.RowsRead, want.Metrics.Tasks)
	}
	first := stages[0].(map[string]any)
	last := stages[len(stages)-1].(map[string]any)
	if num(t, first, "bytes") <= 0 || len(first["inputs"].([]any)) != 0 || last["output"] != "result" {
		t.Errorf("first stage reads the file (bytes %v, inputs %v), last writes the result (%v)", first["bytes"], first["inputs"], last["output"])
	}

	models, _ := detail["models"].([]any)
	if len(models) != 1 || len(want.Metrics.UDFs) != 1 {
		t.Fatalf("%d models in the API, %d in the metrics; want 1", len(models), len(want.Metrics.UDFs))
	}
	m := models[0].(map[string]any)
	u := want.Metrics.UDFs[0]
	if got := keys(m); !slices.Equal(got, []string{"batches", "column", "deadLetters", "failedRows", "function", "latency", "loadTimeMs", "loads", "retries", "rows"}) {
		t.Errorf("a model's fields are %v", got)
	}
	if m["function"] != u.Function || m["column"] != "prediction" || num(t, m, "rows") != 150 || num(t, m, "batches") != float64(u.Batches) ||
		num(t, m, "failedRows") != 0 || num(t, m, "deadLetters") != 0 || num(t, m, "retries") != 0 || num(t, m, "loads") != float64(u.Loads) || num(t, m, "loadTimeMs") != float64(u.LoadTime)/1e6 {
		t.Errorf("model %v, want %+v", m, u)
	}
	lat := m["latency"].(map[string]any)
	if got := keys(lat); !slices.Equal(got, []string{"buckets", "count", "maxMs", "meanMs", "p50Ms", "p90Ms", "p99Ms"}) {
		t.Errorf("latency's fields are %v", got)
	}
	if num(t, lat, "count") != float64(u.Batches) || num(t, lat, "p50Ms") != float64(u.Latency.P50)/1e6 || num(t, lat, "maxMs") != float64(u.Latency.Max)/1e6 {
		t.Errorf("latency %v, want %+v over %d batches", lat, u.Latency, u.Batches)
	}
	buckets := lat["buckets"].([]any)
	if len(buckets) != len(exec.LatencyBounds)+1 {
		t.Fatalf("%d buckets, want %d", len(buckets), len(exec.LatencyBounds)+1)
	}
	var counted float64
	for i, b := range buckets {
		bucket := b.(map[string]any)
		if got := keys(bucket); !slices.Equal(got, []string{"count", "le", "leMs"}) {
			t.Errorf("bucket %d's fields are %v", i, got)
		}
		if i < len(exec.LatencyBounds) && (bucket["le"] != exec.LatencyBounds[i].String() || num(t, bucket, "leMs") != float64(exec.LatencyBounds[i])/1e6) {
			t.Errorf("bucket %d: %v, want ≤ %v", i, bucket, exec.LatencyBounds[i])
		}
		if i == len(exec.LatencyBounds) && (bucket["le"] != "+Inf" || bucket["leMs"] != nil) {
			t.Errorf("last bucket %v, want +Inf with no bound", bucket)
		}
		if num(t, bucket, "count") != float64(u.Latency.Buckets[i]) {
			t.Errorf("bucket %d counts %v, the metrics %d", i, bucket["count"], u.Latency.Buckets[i])
		}
		counted += num(t, bucket, "count")
	}
	if counted != num(t, lat, "count") {
		t.Errorf("the buckets count %v batches, latency.count is %v", counted, lat["count"])
	}

	for _, path := range []string{"/api/jobs/2", "/api/jobs/x", "/jobs/2", "/jobs/1/stages/9"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s: %s, want 404", path, resp.Status)
		}
	}
}
