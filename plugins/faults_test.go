package plugins

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
)

func TestCrashMidBatchIsRetriedOnAFreshProcess(t *testing.T) {
	p := newTestPlugin(t, "doubler", "EMBER_TEST_CRASH_AT=3", "EMBER_TEST_ONCE=1")
	m := p.open(t)
	sess := checkedSession(t, frame.WithParallelism(2))
	requireDoubled(t, collect(t, numbers(t, sess, 5000, 2, nil).WithColumn("y", udf.Predict(m, "x"))), 5000)
	if u := sess.LastMetrics().UDFs[0]; u.Retries != 1 || u.FailedRows != 0 {
		t.Fatalf("metrics %+v; want one retry and no failed row", u)
	}
	if _, err := os.Stat(filepath.Join(p.dir, "crashed")); err != nil {
		t.Fatal("the plugin never crashed:", err)
	}
}

func TestHangIsKilledAndRetried(t *testing.T) {
	p := newTestPlugin(t, "doubler", "EMBER_TEST_HANG_AT=2", "EMBER_TEST_ONCE=1")
	m := p.open(t, BatchTimeout(2*time.Second)) // long enough for a healthy batch on a loaded machine
	sess := checkedSession(t)
	requireDoubled(t, collect(t, numbers(t, sess, 3000, 1, nil).WithColumn("y", udf.Predict(m, "x"))), 3000)
	if u := sess.LastMetrics().UDFs[0]; u.Retries != 1 {
		t.Fatalf("metrics %+v; want one retry", u)
	}
}

func TestACrashEveryTimeFailsAfterTheRetries(t *testing.T) {
	m := newTestPlugin(t, "doubler", "EMBER_TEST_CRASH_AT=1").open(t)
	sess := checkedSession(t)
	_, err := numbers(t, sess, 100, 1, nil).WithColumn("y", udf.Predict(m, "x").Retries(2)).Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "plugin doubler 1.2.3") || !strings.Contains(err.Error(), "died during a batch (signal: killed)") {
		t.Fatalf("err = %v", err)
	}
	if u := sess.LastMetrics().UDFs[0]; u.Retries != 2 {
		t.Fatalf("metrics %+v; want 2 retries", u)
	}
}

func TestWrongResultsNameThePlugin(t *testing.T) {
	for wrong, want := range map[string]string{
		"rows":   "returned 9 rows for a batch of 10",
		"schema": "returned columns (x float64); it declared (y float64)",
	} {
		t.Run(wrong, func(t *testing.T) {
			m := newTestPlugin(t, "doubler", "EMBER_TEST_WRONG="+wrong).open(t)
			sess := checkedSession(t)
			_, err := numbers(t, sess, 10, 1, nil).WithColumn("y", udf.Predict(m, "x")).Collect(context.Background())
			if err == nil || !strings.Contains(err.Error(), "plugin doubler 1.2.3 ("+m.Path()+") "+want) {
				t.Fatalf("err = %v; want %q", err, want)
			}
		})
	}
}

func TestModelErrorsFollowTheErrorPolicy(t *testing.T) {
	p := newTestPlugin(t, "doubler", "EMBER_TEST_NEGATIVE=1")
	m := p.open(t)
	sess := checkedSession(t)
	df := numbers(t, sess, 200, 2, func(i int) bool { return i%50 == 7 }).
		WithColumn("y", udf.Predict(m, "x").OnErrorNull("error"))
	tbl := collect(t, df)
	if tbl.NumRows() != 200 {
		t.Fatalf("%d rows", tbl.NumRows())
	}
	errs := tbl.Column(tbl.Schema().FieldIndices("error")[0]).Data().Chunks()
	failed := 0
	for _, c := range errs {
		for i := range c.Len() {
			if c.IsValid(i) {
				failed++
				if s := c.ValueStr(i); !strings.Contains(s, "plugin doubler") || !strings.Contains(s, "cannot double a negative number") {
					t.Fatalf("error %q", s)
				}
			}
		}
	}
	if failed != 4 {
		t.Fatalf("%d failed rows, want 4", failed)
	}
	// A model error leaves the process healthy: no restart.
	if n := len(p.pids(t)); n > 3 {
		t.Fatalf("%d processes started; a model error must not restart the plugin", n)
	}
}

// TestKill9MidJob kills a plugin process from outside while a job runs:
// the job completes, and writes exactly what an undisturbed run writes.
func TestKill9MidJob(t *testing.T) {
	p := newTestPlugin(t, "doubler", "EMBER_TEST_SLEEP=15ms")
	m := p.open(t)
	sess := checkedSession(t, frame.WithParallelism(2))
	df := numbers(t, sess, 6000, 4, nil).WithColumn("y", udf.Predict(m, "x").BatchRows(100))
	write := func(dir string) {
		t.Helper()
		if err := df.Write().Option("header", "true").CSV(context.Background(), dir); err != nil {
			t.Fatal(err)
		}
	}
	undisturbed := filepath.Join(t.TempDir(), "undisturbed")
	write(undisturbed)
	opened := len(p.pids(t))

	killed := make(chan int, 1)
	go func() {
		// Wait until the job's processes run, let them work a while,
		// then kill -9 one of them.
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			if pids := p.pids(t); len(pids) >= opened+2 {
				time.Sleep(150 * time.Millisecond)
				slices.Sort(pids)
				victim := pids[len(pids)-1]
				syscall.Kill(victim, syscall.SIGKILL)
				killed <- victim
				return
			}
		}
		killed <- 0
	}()
	disturbed := filepath.Join(t.TempDir(), "disturbed")
	write(disturbed)
	if pid := <-killed; pid == 0 {
		t.Fatal("the job's plugin processes never started")
	}
	if u := sess.LastMetrics().UDFs[0]; u.Retries < 1 {
		t.Fatalf("metrics %+v; the kill should have cost a retry", u)
	}
	if a, b := readParts(t, undisturbed), readParts(t, disturbed); a != b {
		t.Fatalf("output after kill -9 differs from the undisturbed run (%d vs %d bytes)", len(b), len(a))
	}
}

// readParts concatenates a written directory's part files in name order.
func readParts(t *testing.T, dir string) string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "part-*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no part files in %s (%v)", dir, err)
	}
	var b strings.Builder
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(data)
	}
	return b.String()
}

func TestCancelledJobLeavesNoPluginProcess(t *testing.T) {
	p := newTestPlugin(t, "doubler", "EMBER_TEST_SLEEP=10s")
	m := p.open(t)
	sess := checkedSession(t, frame.WithParallelism(2))
	df := numbers(t, sess, 1000, 2, nil).WithColumn("y", udf.Predict(m, "x"))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := df.Collect(ctx)
		done <- err
	}()
	// Cancel once both processes are inside a batch.
	for {
		busy, err := filepath.Glob(filepath.Join(p.dir, "busy-*"))
		if err != nil {
			t.Fatal(err)
		}
		if len(busy) == 2 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	p.requireNoProcesses(t)
}

// TestLoadThatNeverReturnsIsBounded: a plugin whose Load hangs used to
// hang the job until the caller's deadline; LoadTimeout bounds it and the
// error names the plugin.
func TestLoadThatNeverReturnsIsBounded(t *testing.T) {
	m := newTestPlugin(t, "doubler", "EMBER_TEST_LOAD_HANG=1").open(t, LoadTimeout(300*time.Millisecond))
	sess := checkedSession(t)
	_, err := numbers(t, sess, 10, 1, nil).WithColumn("y", udf.Predict(m, "x")).Collect(context.Background())
	if err == nil || !strings.Contains(err.Error(), "plugin doubler 1.2.3") || !strings.Contains(err.Error(), "Load did not return within 300ms") {
		t.Fatalf("err = %v", err)
	}
}

// TestExitDuringLoadSaysHow: a plugin that exits while loading used to
// give "error reading from server: EOF"; the error now has its exit
// status and the end of its stderr.
func TestExitDuringLoadSaysHow(t *testing.T) {
	m := newTestPlugin(t, "doubler", "EMBER_TEST_LOAD_EXIT=3").open(t)
	sess := checkedSession(t)
	_, err := numbers(t, sess, 10, 1, nil).WithColumn("y", udf.Predict(m, "x")).Collect(context.Background())
	for _, want := range []string{"plugin doubler 1.2.3", "exited while loading its model (exit status 3)", "cannot map the weights"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("err = %v; want it to say %q", err, want)
		}
	}
}

// TestHangAfterTheLastRetry: the error after the last retry used to say
// that a new process takes the retry; it says the job gave up.
func TestHangAfterTheLastRetry(t *testing.T) {
	m := newTestPlugin(t, "doubler", "EMBER_TEST_HANG_AT=1").open(t, BatchTimeout(200*time.Millisecond))
	sess := checkedSession(t)
	_, err := numbers(t, sess, 10, 1, nil).WithColumn("y", udf.Predict(m, "x").Retries(1)).Collect(context.Background())
	// Under -race the hung process is sometimes seen dead (killed) first.
	if err == nil || !strings.Contains(err.Error(), "did not answer within 200ms") && !strings.Contains(err.Error(), "died during a batch") ||
		!strings.Contains(err.Error(), "gave up after 1 retries") || strings.Contains(err.Error(), "takes the retry") {
		t.Fatalf("err = %v", err)
	}
}
