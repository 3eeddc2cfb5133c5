package frame_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/chromedp/chromedp"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/ui"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// gatedJob is a job that runs until release is closed: a UDF that blocks
// on it (the first call closes started).
type gatedJob struct {
	started, release chan struct{}
	once             sync.Once
	df               *frame.DataFrame
}

func newGatedJob(sess *frame.Session, name string) *gatedJob {
	g := &gatedJob{started: make(chan struct{}), release: make(chan struct{})}
	gate := udf.Func1(name, func(id int64) int64 {
		g.once.Do(func() { close(g.started) })
		<-g.release
		return id
	})
	g.df = sess.Range(1000).WithColumn("gated", frame.Column{Expr: gate.Call("id")}).Filter(frame.Col("gated").Ge(frame.Lit(int64(0))))
	return g
}

// run counts the job's rows on a goroutine; the channel gets the result.
func (g *gatedJob) run(ctx context.Context) <-chan error {
	done := make(chan error, 1)
	go func() {
		n, err := g.df.Count(ctx)
		if err == nil && n != 1000 {
			err = fmt.Errorf("counted %d rows, want 1000", n)
		}
		done <- err
	}()
	return done
}

func fetchJobs(t *testing.T, base string) []ui.JobSummary {
	t.Helper()
	resp, err := http.Get(base + "/api/jobs")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var jobs []ui.JobSummary
	if err := json.NewDecoder(resp.Body).Decode(&jobs); err != nil {
		t.Fatal(err)
	}
	return jobs
}

// TestUILive: while a job runs, the UI of its session lists it RUNNING,
// with a live duration; once it ends, SUCCEEDED with its rows. Close stops
// the server.
func TestUILive(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithUI("127.0.0.1:0"), frame.WithAllocator(mem), frame.WithParallelism(2))
	addr := sess.UIAddr()
	if addr == "" || sess.UIErr() != nil {
		t.Fatalf("no UI: %v", sess.UIErr())
	}
	if !strings.HasPrefix(addr, "127.0.0.1:") {
		t.Errorf("UI on %s, want the loopback interface", addr)
	}
	base := "http://" + addr
	ctx := context.Background()
	g := newGatedJob(sess, "frame_test.ui_live_gate")
	done := g.run(ctx)
	<-g.started
	jobs := fetchJobs(t, base)
	if len(jobs) != 1 || jobs[0].State != ui.StateRunning || jobs[0].ID != 1 || jobs[0].Description != "Count" || jobs[0].CompletionTime != nil {
		t.Errorf("while the job runs, /api/jobs says %+v; want job 1, Count, RUNNING", jobs)
	}
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	jobs = fetchJobs(t, base)
	if len(jobs) != 1 || jobs[0].State != ui.StateSucceeded || jobs[0].Rows != 1000 || jobs[0].CompletionTime == nil {
		t.Errorf("after the job, /api/jobs says %+v; want SUCCEEDED with 1000 rows", jobs)
	}
	// The session's Prometheus metrics are served beside the pages.
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `ember_jobs_total{state="succeeded"} 1`) {
		t.Errorf("GET /metrics: %s\n%s", resp.Status, body)
	}
	if err := sess.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(base + "/api/jobs"); err == nil {
		t.Error("the UI still serves after the session closed")
	}
}

// TestUIRefusesRemoteBind: a session asked to serve its UI on every
// interface serves none (and says why) unless told ui.AllowRemote; its
// jobs run either way.
func TestUIRefusesRemoteBind(t *testing.T) {
	sess := frame.NewSession(frame.WithUI("0.0.0.0:0"))
	defer sess.Close()
	if sess.UIAddr() != "" || !errors.Is(sess.UIErr(), ui.ErrRemoteBind) {
		t.Errorf("UI on %q (err %v), want none and ui.ErrRemoteBind", sess.UIAddr(), sess.UIErr())
	}
	if n, err := sess.Range(10).Count(context.Background()); err != nil || n != 10 {
		t.Errorf("a job without its UI: %d, %v", n, err)
	}

	open := frame.NewSession(frame.WithUI("0.0.0.0:0", ui.AllowRemote()))
	defer open.Close()
	if !strings.HasPrefix(open.UIAddr(), "[::]:") && !strings.HasPrefix(open.UIAddr(), "0.0.0.0:") {
		t.Errorf("with AllowRemote the UI is on %q (err %v), want every interface", open.UIAddr(), open.UIErr())
	}

	taken := frame.NewSession(frame.WithUI(open.UIAddr(), ui.AllowRemote()))
	defer taken.Close()
	if taken.UIAddr() != "" || taken.UIErr() == nil {
		t.Errorf("a port already taken: UI on %q, err %v", taken.UIAddr(), taken.UIErr())
	}
}

// chromium returns the path of Debian's chromium (scripts/setup.sh test
// installs it): the test fails without it in CI and is skipped elsewhere.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if path, err := osexec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("chromium is not installed (bash scripts/setup.sh test installs it)")
	}
	t.Skip("chromium is not installed (bash scripts/setup.sh test installs it)")
	return ""
}

// artifactDir is where the browser test saves its screenshots:
// $EMBER_TEST_ARTIFACTS/ui when set (CI keeps it), a temporary directory
// otherwise.
func artifactDir(t *testing.T) string {
	t.Helper()
	root := os.Getenv("EMBER_TEST_ARTIFACTS")
	if root == "" {
		return t.TempDir()
	}
	dir := filepath.Join(root, "ui")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// browser starts a headless Chromium with the flags NOTES.md lists.
func browser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	// Start the browser with the context that lives as long as the test;
	// the steps then run with timeouts derived from it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	return ctx
}

// step runs actions in the browser with a time limit, failing the test
// with what was being done.
func step(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

// screenshot saves the page as dir/name.
func screenshot(t *testing.T, ctx context.Context, dir, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot %s", filepath.Join(dir, name))
}

// TestUIInBrowser is the UI's proof in a real headless Chromium: a
// session with WithUI runs a job with a real model (the iris random
// forest on ONNX Runtime); the jobs page lists it SUCCEEDED, its stage
// page shows one row per partition and the model's latency histogram, the
// plan page shows its stages; a job that runs while the jobs page is open
// turns from RUNNING to SUCCEEDED on the page without a reload (the
// page's live updates). Screenshots go to the artifact directory.
func TestUIInBrowser(t *testing.T) {
	onnxtest.RequireRuntime(t)
	ctx := browser(t)
	dir := artifactDir(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithUI("127.0.0.1:0"), frame.WithAllocator(mem), frame.WithParallelism(2))
	defer sess.Close()
	base := "http://" + sess.UIAddr()

	irisDir := filepath.Join("..", "examples", "iris")
	model, err := onnx.Load(filepath.Join(irisDir, "iris_random_forest.onnx"), onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	defer udf.Unload(model)
	iris := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(filepath.Join(irisDir, "iris.csv"))
	scored := iris.Repartition(3).WithColumn("prediction",
		udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width").
			Labels("setosa", "versicolor", "virginica"))
	out := filepath.Join(t.TempDir(), "scored")
	if err := scored.Write().Option("header", "true").CSV(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	jobs := fetchJobs(t, base)
	if len(jobs) != 1 {
		t.Fatalf("%d jobs, want 1", len(jobs))
	}
	var job ui.JobDetail
	resp, err := http.Get(base + "/api/jobs/1")
	if err != nil {
		t.Fatal(err)
	}
	err = json.NewDecoder(resp.Body).Decode(&job)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	modelStage := -1
	for _, st := range job.Stages {
		if strings.Contains(st.Operators, "prediction") {
			modelStage = st.ID
		}
	}
	if modelStage < 0 || len(job.Models) != 1 {
		t.Fatalf("no stage calls the model (%d models): %+v", len(job.Models), job.Stages)
	}

	// The jobs page lists the job, SUCCEEDED, with its description.
	step(t, ctx, "jobs page", chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS(`#jobs tr.job[data-job="1"]`)))
	if got := eval[string](t, ctx, `document.querySelector('#jobs tr.job[data-job="1"]').dataset.state`); got != ui.StateSucceeded {
		t.Errorf("the jobs page shows job 1 %s, want SUCCEEDED", got)
	}
	if row := eval[string](t, ctx, `document.querySelector('#jobs tr.job[data-job="1"]').innerText`); !strings.Contains(row, "Write csv "+out) || !strings.Contains(row, "150") {
		t.Errorf("the jobs page's row of job 1: %q; want its description and its 150 rows", row)
	}
	screenshot(t, ctx, dir, "ui-jobs.png")

	// The job page links its stages.
	step(t, ctx, "job page", chromedp.Navigate(fmt.Sprintf("%s/jobs/1", base)), chromedp.WaitVisible(chromedp.CSS(`#stages`)))
	if n := eval[int](t, ctx, `document.querySelectorAll('#stages tr.stage').length`); n != len(job.Stages) {
		t.Errorf("the job page lists %d stages, want %d", n, len(job.Stages))
	}
	screenshot(t, ctx, dir, "ui-job.png")

	// The model's stage: one row per partition, and the latency histogram
	// with a bar per bucket from the fastest batch to the slowest.
	st := job.Stages[modelStage]
	step(t, ctx, "stage page", chromedp.Navigate(fmt.Sprintf("%s/jobs/1/stages/%d", base, modelStage)), chromedp.WaitVisible(chromedp.CSS(`#partitions`)))
	if n := eval[int](t, ctx, `document.querySelectorAll('#partitions tbody tr.partition').length`); n != st.NumPartitions || n != len(st.Partitions) {
		t.Errorf("the stage page shows %d partitions, the stage has %d", n, st.NumPartitions)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('#partitions tbody tr.partition .state-succeeded').length`); n != st.NumPartitions {
		t.Errorf("%d partitions SUCCEEDED on the stage page, want %d", n, st.NumPartitions)
	}
	bars := eval[int](t, ctx, `document.querySelectorAll('figure.histogram svg g.bucket rect').length`)
	counted := eval[int](t, ctx, `Array.from(document.querySelectorAll('figure.histogram svg g.bucket text.count')).reduce((n, e) => n + Number(e.textContent), 0)`)
	if bars == 0 || counted != job.Models[0].Latency.Count || counted == 0 {
		t.Errorf("the stage page's latency histogram has %d bars counting %d batches; the model ran %d", bars, counted, job.Models[0].Latency.Count)
	}
	screenshot(t, ctx, dir, "ui-stage.png")

	// The plan page: one box per stage, and the plan texts.
	step(t, ctx, "plan page", chromedp.Navigate(base+"/jobs/1/plan"), chromedp.WaitVisible(chromedp.CSS(`#stage-graph`)))
	if n := eval[int](t, ctx, `document.querySelectorAll('#stage-graph .stage-box').length`); n != len(job.Stages) || n < 2 {
		t.Errorf("the plan page shows %d stages, want %d", n, len(job.Stages))
	}
	if text := eval[string](t, ctx, `document.querySelector('#plan-physical').innerText`); !strings.Contains(text, "Stage 0") || !strings.Contains(text, "Stage 1") {
		t.Errorf("the physical plan on the page does not show the stage boundaries:\n%s", text)
	}
	screenshot(t, ctx, dir, "ui-plan.png")

	// Live: a job that starts while the jobs page is open shows RUNNING,
	// then SUCCEEDED, without a reload.
	g := newGatedJob(sess, "frame_test.ui_browser_gate")
	done := g.run(context.Background())
	<-g.started
	step(t, ctx, "jobs page while job 2 runs", chromedp.Navigate(base+"/jobs"),
		chromedp.WaitVisible(chromedp.CSS(`#jobs tr.job[data-job="2"][data-state="RUNNING"]`)))
	step(t, ctx, "mark the page", chromedp.Evaluate[chromedp.Void](`window.notReloaded = true`))
	screenshot(t, ctx, dir, "ui-jobs-running.png")
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	step(t, ctx, "job 2 turns SUCCEEDED on the open page", chromedp.WaitVisible(chromedp.CSS(`#jobs tr.job[data-job="2"][data-state="SUCCEEDED"]`)))
	if !eval[bool](t, ctx, `window.notReloaded === true`) {
		t.Error("the page reloaded: the live update should swap its content in place")
	}
}
