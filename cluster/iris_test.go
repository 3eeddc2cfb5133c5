package cluster_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/cluster"
	"github.com/ember-df/ember/cluster/internal/jobserver"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/storage"
	_ "github.com/ember-df/ember/storage/cloud"
	"github.com/ember-df/ember/storage/cloud/s3test"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// binaries are prism, the boot loader and the worker, built once per test
// process into binDir (removed by TestMain).
var (
	binDir    string
	buildOnce sync.Once
	buildErr  error
)

func buildBinaries(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "ember-cluster-bin-")
		if buildErr != nil {
			return
		}
		// A cold build of the worker takes minutes (Beam has ~320 modules).
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		buildErr = jobserver.Build(ctx, ".", binDir, "prism", "boot", "worker", "ember")
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binDir
}

// startJobServer runs a Prism job server with PROCESS workers: Beam's boot
// loader behind the quote-stripping wrapper, staging the pre-built worker.
// It returns the runner options that submit to it; the server and its
// workers are killed when the test ends.
func startJobServer(t *testing.T, env ...string) []cluster.Option {
	t.Helper()
	bin := buildBinaries(t)
	wrapper, err := jobserver.BootWrapper(t.TempDir(), filepath.Join(bin, "boot"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := jobserver.Start(filepath.Join(bin, "prism"), t.TempDir(), env, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	return []cluster.Option{cluster.Endpoint(srv.Endpoint), cluster.Environment("PROCESS"),
		cluster.EnvironmentConfig(wrapper), cluster.WorkerBinary(filepath.Join(bin, "worker"))}
}

// irisModel loads the iris forest from the repository (its class number
// as output_label).
func irisModel(t *testing.T) *onnx.Model {
	t.Helper()
	onnxtest.RequireRuntime(t)
	path, err := filepath.Abs("../udf/onnx/testdata/iris_random_forest.onnx")
	if err != nil {
		t.Fatal(err)
	}
	m, err := onnx.Load(path, onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = udf.Unload(m) })
	return m
}

// uploadIris writes files copies of the iris data set, each repeated
// times, under prefix.
func uploadIris(t *testing.T, ctx context.Context, prefix string, files, times int) {
	t.Helper()
	data, err := os.ReadFile("../examples/iris/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	header, rows, _ := strings.Cut(string(data), "\n")
	body := header + "\n" + strings.Repeat(strings.TrimRight(rows, "\n")+"\n", times)
	for i := range files {
		if err := storage.WriteFile(ctx, storage.Join(prefix, "part-"+string(rune('a'+i))+".csv"), []byte(body)); err != nil {
			t.Fatal(err)
		}
	}
}

// irisJob is the proof plan: read CSV from S3, score with the forest,
// hash-repartition, score again (in another stage: other DoFn instances
// of the same worker process, which must find the model loaded), count per
// (sepal_length, prediction, again), order, and write Parquet back to S3.
func irisJob(ctx context.Context, sess *frame.Session, model udf.Model, in, out string) error {
	features := []any{"sepal_length", "sepal_width", "petal_length", "petal_width"}
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in)
	df = df.WithColumn("prediction", udf.Predict(model, features...))
	df = df.Repartition(4, "species").WithColumn("again", udf.Predict(model, features...)).
		GroupBy("sepal_length", "prediction", "again").Count().
		OrderBy(frame.Col("count").Desc(), "sepal_length", "prediction")
	return df.Write().Mode(frame.Overwrite).Parquet(ctx, out)
}

// readBack reads a written dataset with the local runner, in file order.
func readBack(t *testing.T, ctx context.Context, path string) []string {
	t.Helper()
	sess := frame.NewSession()
	defer sess.Close()
	tbl, err := sess.Read().Parquet(path).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return rowsOf(t, tbl)
}

// TestIrisOnBeam is the proof of issue 13: the same plan runs with the
// local runner, on Prism in this process, and on a Prism job server with
// PROCESS workers (separate processes started by Beam's boot loader); the
// three outputs are identical row for row, and every worker process
// loaded the model once.
func TestIrisOnBeam(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Beam binaries and runs a job server")
	}
	s3 := s3test.Start(t)
	model := irisModel(t)
	lib, err := onnx.FindLibrary()
	if err != nil {
		t.Fatal(err)
	}
	ctx := beamContext(t)
	uploadIris(t, ctx, s3.URL("iris"), 3, 20)
	in := s3.URL("iris/*.csv")

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	run := func(name string, runner *cluster.Runner) (cluster.Job, []string) {
		t.Helper()
		var job cluster.Job
		opts := []frame.Option{frame.WithAllocator(mem), frame.WithParallelism(2), frame.WithModelKeepAlive(0)}
		if runner != nil {
			opts = append(opts, frame.WithRunner(runner))
		}
		sess := frame.NewSession(opts...)
		defer sess.Close()
		if err := udf.Unload(model); err != nil {
			t.Fatal(err)
		}
		if err := irisJob(ctx, sess, model, in, s3.URL("out-"+name)); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return job, readBack(t, ctx, s3.URL("out-"+name))
	}
	_, want := run("local", nil)
	if len(want) < 20 {
		t.Fatalf("the local runner wrote %d rows: %v", len(want), want)
	}

	var inProcess, process cluster.Job
	_, got := run("prism", cluster.Beam(cluster.OnJob(func(j cluster.Job) { inProcess = j })))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Prism in process:\n%v\nlocal:\n%v", got, want)
	}
	opts := append(startJobServer(t, "ONNXRUNTIME_LIB="+lib), cluster.OnJob(func(j cluster.Job) { process = j }))
	_, got = run("jobserver", cluster.Beam(opts...))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("Prism job server, PROCESS workers:\n%v\nlocal:\n%v", got, want)
	}

	for name, job := range map[string]cluster.Job{"in process": inProcess, "job server": process} {
		var loads int64
		for _, p := range job.Processes {
			loads += p.ModelLoads
			if p.ModelLoads != 1 {
				t.Errorf("%s: process %s loaded the model %d times", name, p.ID, p.ModelLoads)
			}
		}
		if loads != int64(len(job.Processes)) || len(job.Metrics.UDFs) != 2 || job.Metrics.UDFs[0].Rows != 3*20*150 || job.Metrics.UDFs[1].Rows != 3*20*150 {
			t.Errorf("%s: %d loads in %d processes, metrics %+v", name, loads, len(job.Processes), job.Metrics)
		}
		t.Logf("%s: %s; %d worker processes, %d model loads", name, job.Metrics, len(job.Processes), loads)
		for _, u := range job.Metrics.UDFs {
			t.Logf("  %s", u)
		}
	}
	// Process IDs are host/pid/random: the job server's tasks must have
	// run in other processes than this one, Prism in process's in this one.
	pid := "/" + strconv.Itoa(os.Getpid()) + "/"
	for _, p := range process.Processes {
		if strings.Contains(p.ID, pid) {
			t.Errorf("a job server task ran in the driver's process %s", p.ID)
		}
	}
	for _, p := range inProcess.Processes {
		if !strings.Contains(p.ID, pid) {
			t.Errorf("a task of Prism in process ran in process %s", p.ID)
		}
	}
}

// TestJobServerReportsErrors checks that the error of a task that failed
// in a worker process reaches the driver with its stage and partition:
// one of the input files is removed after planning, so the task that
// reads it fails.
func TestJobServerReportsErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Beam binaries and runs a job server")
	}
	dir := writeCSV(t, 2, 50, 3)
	var job cluster.Job
	opts := append(startJobServer(t), cluster.OnJob(func(j cluster.Job) { job = j }))
	sess := frame.NewSession(frame.WithParallelism(2), frame.WithRunner(cluster.Beam(opts...)))
	defer sess.Close()
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(dir).
		Repartition(2, "k").GroupBy("k").Count()
	if err := os.Remove(filepath.Join(dir, "part-1.csv")); err != nil {
		t.Fatal(err)
	}
	_, err := df.Collect(beamContext(t))
	var te *cluster.TaskError
	if !errors.As(err, &te) || te.Stage != 0 || !strings.Contains(err.Error(), "part-1.csv") {
		t.Fatalf("err = %v, want a *cluster.TaskError of stage 0 naming part-1.csv", err)
	}
	if strings.Contains(te.Process, "/"+strconv.Itoa(os.Getpid())+"/") || job.State != "FAILED" {
		t.Fatalf("task error from process %s, job %s: want another process, FAILED", te.Process, job.State)
	}
	t.Logf("%s (process %s)", err, te.Process)
}
