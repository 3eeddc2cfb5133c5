package plugins

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
)

func TestOpenReadsTheMetadataAndStopsTheProcess(t *testing.T) {
	p := newTestPlugin(t, "doubler")
	m := p.open(t)
	if m.Name() != "doubler" || m.Version() != "1.2.3" || m.Hints().BatchRows != 500 || !m.Hints().ReleaseAfterJob {
		t.Fatalf("name %q version %q hints %+v", m.Name(), m.Version(), m.Hints())
	}
	if !m.Inputs().Equal(xSchema) || !m.Outputs().Equal(ySchema) {
		t.Fatalf("inputs %s outputs %s", m.Inputs(), m.Outputs())
	}
	if n := len(p.pids(t)); n != 1 {
		t.Fatalf("Open started %d processes, want 1", n)
	}
	p.requireNoProcesses(t)
}

func TestPredictThroughPluginProcesses(t *testing.T) {
	p := newTestPlugin(t, "doubler")
	m := p.open(t)
	sess := checkedSession(t, frame.WithParallelism(3))
	df := numbers(t, sess, 10000, 6, nil).WithColumn("y", udf.Predict(m, "x"))
	requireDoubled(t, collect(t, df), 10000)
	// One Open process, then at most one per partition running at once.
	if n := len(p.pids(t)); n < 2 || n > 4 {
		t.Fatalf("%d processes started; want the Open one and 1 to 3 for the job", n)
	}
	p.requireNoProcesses(t)
	u := sess.LastMetrics().UDFs[0]
	if u.Batches < 20 || u.Rows != 10000 {
		t.Fatalf("metrics %+v; want batches of at most the plugin's 500 rows", u)
	}
	// A second job starts processes of its own.
	before := len(p.pids(t))
	requireDoubled(t, collect(t, df), 10000)
	if len(p.pids(t)) == before {
		t.Fatal("the second job started no process")
	}
	p.requireNoProcesses(t)
}

func TestProcessesOption(t *testing.T) {
	p := newTestPlugin(t, "doubler")
	m := p.open(t, Processes(1))
	sess := checkedSession(t, frame.WithParallelism(4))
	requireDoubled(t, collect(t, numbers(t, sess, 4000, 4, nil).WithColumn("y", udf.Predict(m, "x"))), 4000)
	if n := len(p.pids(t)); n != 2 {
		t.Fatalf("%d processes; want the Open one and a single one for the job", n)
	}
}

func TestBindChecksColumnsAtPlanTime(t *testing.T) {
	m := newTestPlugin(t, "doubler").open(t)
	sess := checkedSession(t)
	df := numbers(t, sess, 10, 1, nil).
		WithColumn("s", frame.Lit("text")).
		WithColumn("i", frame.Lit(int64(3)))
	for _, tc := range []struct {
		args []any
		want string
	}{
		{[]any{"x", "x"}, "takes 1 inputs (x float64); got 2 (x float64, x float64)"},
		{[]any{"s"}, "input 1 (s) is utf8; the plugin wants float64 for x"},
	} {
		err := df.WithColumn("y", udf.Predict(m, tc.args...)).Err()
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "plugin doubler 1.2.3") {
			t.Errorf("Predict(%v): %v; want an error naming the plugin and %q", tc.args, err, tc.want)
		}
	}
	// Another numeric type is cast.
	tbl := collect(t, df.WithColumn("y", udf.Predict(m, "i")))
	for _, y := range floats(t, tbl, "y") {
		if y != 6 {
			t.Fatalf("y = %v for i = 3", y)
		}
	}
}

func TestPluginLogsReachTheHostLogger(t *testing.T) {
	rec := &logRecorder{}
	m := newTestPlugin(t, "doubler").open(t, Logger(slog.New(rec)))
	sess := checkedSession(t)
	collect(t, numbers(t, sess, 10, 1, nil).WithColumn("y", udf.Predict(m, "x")))
	var plain, structured bool
	for _, l := range rec.lines() {
		plain = plain || strings.HasPrefix(l, "INFO a plain line from the plugin") && strings.Contains(l, "plugin=doubler")
		structured = structured || strings.HasPrefix(l, "WARN loaded the doubler") && strings.Contains(l, "threads=") && strings.Contains(l, "plugin=doubler")
	}
	if !plain || !structured {
		t.Fatalf("log records:\n%s\nwant the plugin's plain stderr line at INFO and its slog record at WARN, both with plugin=doubler", strings.Join(rec.lines(), "\n"))
	}
}

func TestLoadFailureNamesThePlugin(t *testing.T) {
	m := newTestPlugin(t, "doubler", "EMBER_TEST_LOAD_FAIL=weights file missing").open(t)
	sess := checkedSession(t)
	_, err := numbers(t, sess, 10, 1, nil).WithColumn("y", udf.Predict(m, "x")).Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "plugin doubler 1.2.3") || !strings.Contains(err.Error(), "loading: weights file missing") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlanWithAPluginTravels(t *testing.T) {
	m := newTestPlugin(t, "doubler").open(t)
	sess := checkedSession(t)
	csv := filepath.Join(t.TempDir(), "x.csv")
	if err := os.WriteFile(csv, []byte("x\n1\n2.5\n-4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(csv).WithColumn("y", udf.Predict(m, "x"))
	data, err := plan.Marshal(df.Plan())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"plugin"`) || !strings.Contains(string(data), m.Path()) {
		t.Fatalf("encoded plan: %s", data)
	}
	decoded, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	requireDoubled(t, collect(t, sess.FromPlan(decoded)), 3)
}

func TestEmptyAndTinyBatches(t *testing.T) {
	m := newTestPlugin(t, "doubler").open(t)
	sess := checkedSession(t)
	df := numbers(t, sess, 7, 1, nil).WithColumn("y", udf.Predict(m, "x").BatchRows(1))
	requireDoubled(t, collect(t, df), 7)
	empty := numbers(t, sess, 7, 1, nil).Filter(frame.Col("x").Gt(frame.Lit(100.0))).WithColumn("y", udf.Predict(m, "x"))
	tbl := collect(t, empty)
	if tbl.NumRows() != 0 || !arrow.TypeEqual(tbl.Schema().Field(1).Type, arrow.PrimitiveTypes.Float64) {
		t.Fatalf("empty result %s with %d rows", tbl.Schema(), tbl.NumRows())
	}
}
