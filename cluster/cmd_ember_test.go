package cluster_test

import (
	"context"
	"encoding/json"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ember-df/ember/cluster/internal/jobserver"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

// TestEmberRunOnBeam runs a saved plan with exchanges (a hash
// repartition, a group-by, a sort) through the cluster module's `ember`
// binary: `ember run PLAN --runner beam` on Prism in that process, and on
// a Prism job server with PROCESS workers, the binary staged as its own
// worker. Both outputs equal the local runner's, row for row and in order,
// and the status file says SUCCEEDED.
func TestEmberRunOnBeam(t *testing.T) {
	if testing.Short() {
		t.Skip("builds Beam binaries and runs a job server")
	}
	ctx := context.Background()
	bin := buildBinaries(t)
	model := irisModel(t)
	iris, err := filepath.Abs("../examples/iris/iris.csv")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	job := func(sess *frame.Session) *frame.DataFrame {
		features := []any{"sepal_length", "sepal_width", "petal_length", "petal_width"}
		return sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(iris).
			WithColumn("prediction", udf.Predict(model, features...)).
			Repartition(3, "species").
			GroupBy("sepal_length", "prediction").Count().
			OrderBy(frame.Col("count").Desc(), "sepal_length", "prediction")
	}
	sess := frame.NewSession()
	defer sess.Close()
	local := filepath.Join(dir, "local")
	if err := job(sess).Write().Parquet(ctx, local); err != nil {
		t.Fatal(err)
	}
	want := readBack(t, ctx, local)

	wrapper, err := jobserver.BootWrapper(t.TempDir(), filepath.Join(bin, "boot"), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	// The workers the job server starts find ONNX Runtime as this
	// process does.
	lib, err := onnx.FindLibrary()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := jobserver.Start(filepath.Join(bin, "prism"), t.TempDir(), []string{"ONNXRUNTIME_LIB=" + lib}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	modes := map[string][]string{
		"in-process":     nil,
		"process-worker": {"--endpoint", srv.Endpoint, "--environment", "PROCESS", "--environment-config", wrapper},
	}
	for name, flags := range modes {
		t.Run(name, func(t *testing.T) {
			out, plan, status := filepath.Join(dir, name), filepath.Join(dir, name+".json"), filepath.Join(dir, name+"-status.json")
			if err := job(sess).Write().SavePlan(plan, "parquet", out); err != nil {
				t.Fatal(err)
			}
			cctx, cancel := context.WithTimeout(ctx, beamTimeout)
			defer cancel()
			args := append([]string{"run", plan, "--runner", "beam", "--status", status}, flags...)
			cmd := osexec.CommandContext(cctx, filepath.Join(bin, "ember"), args...)
			if output, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("ember %v: %v\n%s", args, err, output)
			}
			if got := readBack(t, ctx, out); !slices.Equal(got, want) {
				t.Fatalf("ember run --runner beam wrote\n%v\nthe local runner\n%v", got, want)
			}
			data, err := os.ReadFile(status)
			if err != nil {
				t.Fatal(err)
			}
			var st struct{ State string }
			if err := json.Unmarshal(data, &st); err != nil || st.State != "SUCCEEDED" {
				t.Fatalf("status %s (%v)", data, err)
			}
		})
	}
	// A runner this build lacks is a usage error (exit 2), naming those it has.
	cmd := osexec.Command(filepath.Join(bin, "ember"), "run", filepath.Join(dir, "in-process.json"), "--runner", "spark")
	if output, err := cmd.CombinedOutput(); cmd.ProcessState.ExitCode() != 2 || !strings.Contains(string(output), "this build of ember has local, beam") {
		t.Fatalf("--runner spark: exit %d (%v): %s", cmd.ProcessState.ExitCode(), err, output)
	}
}
