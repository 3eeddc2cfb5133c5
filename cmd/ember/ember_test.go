package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/cmd/ember/cli"
	emberexec "github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/frame/frametest"
	"github.com/ember-df/ember/storage"
	"github.com/ember-df/ember/storage/cloud/s3test"
)

var (
	buildOnce sync.Once
	binary    string
	buildErr  error
	binDir    string
)

func TestMain(m *testing.M) {
	var err error
	if binDir, err = os.MkdirTemp("", "ember-bin-"); err != nil {
		panic(err)
	}
	code := m.Run()
	os.RemoveAll(binDir)
	os.Exit(code)
}

// emberBinary builds cmd/ember once per test run.
func emberBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binary = filepath.Join(binDir, "ember")
		out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binary
}

// result is how an ember process ended.
type result struct {
	code   int
	stdout string
	stderr string
}

// ember runs the binary to its end.
func ember(t *testing.T, args ...string) result {
	t.Helper()
	cmd := exec.Command(emberBinary(t), args...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errOut.String()}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		r.code = exit.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return r
}

// mustRun runs ember and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) {
	t.Helper()
	if r := ember(t, args...); r.code != 0 {
		t.Fatalf("ember %s: exit %d: %s", strings.Join(args, " "), r.code, r.stderr)
	}
}

// checkOneLine checks that a failure said why in one line on stderr.
func checkOneLine(t *testing.T, r result, wantCode int, want string) {
	t.Helper()
	if r.code != wantCode || strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, "ember: ") || !strings.Contains(r.stderr, want) {
		t.Errorf("exit %d (want %d), stderr %q (want one line with %q)", r.code, wantCode, r.stderr, want)
	}
}

// writeInput writes files CSV files of rows rows each under dir: id (unique
// over all files), x and a label.
func writeInput(t *testing.T, dir string, files, rows int) {
	t.Helper()
	for f := range files {
		var b strings.Builder
		b.WriteString("id,x,label\n")
		for i := range rows {
			id := f*rows + i
			fmt.Fprintf(&b, "%d,%d.5,%s\n", id, id%97, []string{"cat", "dog", "bird"}[id%3])
		}
		if err := storage.WriteFile(context.Background(), storage.Join(dir, fmt.Sprintf("in-%02d.csv", f)), []byte(b.String())); err != nil {
			t.Fatal(err)
		}
	}
}

// scoring is the map-only job the tests run: read the CSV files, derive
// a column, filter some rows out.
func scoring(sess *frame.Session, in string) *frame.DataFrame {
	return sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in).
		WithColumn("y", frame.Col("x").Mul(2).Add(frame.Col("id"))).
		Filter(frame.Col("label").Neq("bird"))
}

// savePlans saves df's write to dest as a plan at plan.
func savePlan(t *testing.T, df *frame.DataFrame, plan, dest string) *frame.SavedPlan {
	t.Helper()
	if err := df.Write().Mode(frame.Overwrite).SavePlan(plan, "parquet", dest); err != nil {
		t.Fatal(err)
	}
	p, err := frame.ReadPlan(context.Background(), plan)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// datasetRows reads a committed Parquet directory back, as sorted lines,
// and checks that it holds exactly the files its manifest lists.
func datasetRows(t *testing.T, dest string) []string {
	t.Helper()
	ctx := context.Background()
	m, err := commit.ReadManifest(dest)
	if err != nil {
		t.Fatal(err)
	}
	var listed, found []string
	for _, f := range m.Files {
		listed = append(listed, f.Name)
	}
	files, err := storage.List(ctx, dest)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		rel := strings.TrimPrefix(strings.TrimPrefix(f.Path, strings.TrimSuffix(dest, "/")), "/")
		if rel != commit.SuccessFile {
			found = append(found, rel)
		}
	}
	slices.Sort(listed)
	slices.Sort(found)
	if !slices.Equal(listed, found) {
		t.Errorf("%s holds %v, its manifest lists %v", dest, found, listed)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	tbl, err := sess.Read().Parquet(dest).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	rows := frametest.Rows(tbl)
	slices.Sort(rows)
	return rows
}

// recordsDir is where the tasks of job writing dest record their files
// (exec/commit's layout, which docs/commit.md documents).
func recordsDir(dest, job string) string {
	if dir, local := storage.LocalPath(dest); local {
		return filepath.Join(filepath.Dir(dir), "."+filepath.Base(dir)+".ember-tasks-"+job)
	}
	return storage.Join(dest, "_temporary/tasks-"+job)
}

// recorded lists which of partitions have recorded their files.
func recorded(t *testing.T, dest, job string, partitions []int) []int {
	t.Helper()
	var out []int
	for _, p := range partitions {
		_, err := storage.Stat(context.Background(), storage.Join(recordsDir(dest, job), fmt.Sprintf("task-%05d.json", p)))
		if err == nil {
			out = append(out, p)
		} else if !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
	}
	return out
}

// indexedJob runs the scoring job under base (a local directory or a
// bucket URL) with the local runner and as an Indexed Job of three
// `ember run --index` processes, one of which is killed with SIGKILL
// after its first task recorded its files and then run again, then
// `ember commit`: the two outputs hold the same rows, each once.
func indexedJob(t *testing.T, base string) {
	const files, rows, shares = 9, 60000, 3
	in := storage.Join(base, "in")
	writeInput(t, in, files, rows)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(4))
	defer sess.Close()
	df := scoring(sess, in)
	localPlan, localOut := storage.Join(base, "plans/local.json"), storage.Join(base, "out-local")
	indexedPlan, indexedOut := storage.Join(base, "plans/indexed.json"), storage.Join(base, "out-indexed")
	savePlan(t, df, localPlan, localOut)
	p := savePlan(t, df, indexedPlan, indexedOut)

	n, err := emberexec.ShareTasks(emberexec.Config{Parallelism: p.Settings.Parallelism}, p.Write())
	if err != nil {
		t.Fatal(err)
	}
	var victimParts []int
	for q := 1; q < n; q += shares {
		victimParts = append(victimParts, q)
	}
	if len(victimParts) < 2 {
		t.Fatalf("the job has %d partitions: share 1 needs at least 2 to be killed mid-way", n)
	}

	mustRun(t, "run", localPlan)

	// Share 1 runs one task at a time and is killed once its first task
	// has recorded its files, before its last has. It is stopped
	// (SIGSTOP) while the records are looked at and continued between
	// looks, so that it cannot finish its other tasks unseen, however
	// fast they are.
	victim := exec.Command(emberBinary(t), "run", indexedPlan, "--index", "1", "--count", fmt.Sprint(shares), "--parallelism", "1")
	if err := victim.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { victim.Process.Kill() }) // a stopped victim must not outlive a failed test
	deadline := time.Now().Add(time.Minute)
	for {
		if err := victim.Process.Signal(syscall.SIGSTOP); err != nil {
			break // it has ended: the check below fails
		}
		if len(recorded(t, indexedOut, p.Job, victimParts)) > 0 {
			victim.Process.Signal(syscall.SIGKILL)
			break
		}
		if time.Now().After(deadline) {
			victim.Process.Kill()
			victim.Wait()
			t.Fatal("share 1 recorded no task within a minute")
		}
		victim.Process.Signal(syscall.SIGCONT)
	}
	err = victim.Wait()
	if ws, ok := victim.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
		t.Fatalf("share 1 ended before it was killed: %v", err)
	}
	done := recorded(t, indexedOut, p.Job, victimParts)
	if len(done) == len(victimParts) {
		t.Fatalf("share 1 recorded all its tasks %v before it was killed: give it more input", done)
	}
	t.Logf("share 1 was killed with tasks %v of %v recorded", done, victimParts)

	// The other shares run at once, side by side.
	var wg sync.WaitGroup
	results := make([]result, shares)
	for _, i := range []int{0, 2} {
		wg.Go(func() {
			results[i] = ember(t, "run", indexedPlan, "--index", fmt.Sprint(i), "--count", fmt.Sprint(shares))
		})
	}
	wg.Wait()
	for _, i := range []int{0, 2} {
		if results[i].code != 0 {
			t.Fatalf("share %d: exit %d: %s", i, results[i].code, results[i].stderr)
		}
	}
	// Committing now would lose share 1's missing tasks: refused, naming them.
	checkOneLine(t, ember(t, "commit", indexedPlan), cli.ExitFailed, "have not committed")

	mustRun(t, "run", indexedPlan, "--index", "1", "--count", fmt.Sprint(shares))
	mustRun(t, "commit", indexedPlan)
	mustRun(t, "commit", indexedPlan) // a retried finishing step changes nothing
	mustRun(t, "run", indexedPlan, "--index", "1", "--count", fmt.Sprint(shares))

	want, got := datasetRows(t, localOut), datasetRows(t, indexedOut)
	if len(want) != files*rows*2/3 {
		t.Fatalf("the local runner wrote %d rows, want %d", len(want), files*rows*2/3)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("the Indexed Job wrote %d rows, the local runner %d (or other rows)", len(got), len(want))
	}
	if m, err := commit.ReadManifest(indexedOut); err != nil || m.Job != p.Job {
		t.Fatalf("manifest of job %s: %v", m.Job, err)
	}
	if _, err := storage.Stat(context.Background(), recordsDir(indexedOut, p.Job)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the task records outlived the commit: %v", err)
	}
}

func TestIndexedJobS3(t *testing.T) {
	s := s3test.Start(t)
	indexedJob(t, s.URL(""))
}

func TestIndexedJobLocalDisk(t *testing.T) {
	indexedJob(t, t.TempDir())
}

// TestIndexedJobRefusesExchanges: a plan with an exchange cannot run as
// shares, nor be laid out as an Indexed Job; the message names the Beam
// runner, and the exit code says retrying cannot help.
func TestIndexedJobRefusesExchanges(t *testing.T) {
	dir := t.TempDir()
	writeInput(t, dir+"/in", 2, 10)
	sess := frame.NewSession()
	defer sess.Close()
	plan := dir + "/plan.json"
	savePlan(t, scoring(sess, dir+"/in").Repartition(3, "label"), plan, dir+"/out")
	checkOneLine(t, ember(t, "run", plan, "--index", "0", "--count", "2"), cli.ExitUsage, "Beam runner")
	checkOneLine(t, ember(t, "commit", plan), cli.ExitUsage, "Beam runner")
	checkOneLine(t, ember(t, "k8s", "manifest", plan, "--image", "ember:1", "--parallelism", "2"), cli.ExitUsage, "Beam runner")
	if _, err := os.Stat(dir + "/out"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused job wrote its destination: %v", err)
	}
	mustRun(t, "run", plan) // the local runner runs it
}

// readStatus reads a status file; a missing one is nil.
func readStatus(t *testing.T, path string) *cli.Status {
	t.Helper()
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var s cli.Status
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("status file %q: %v", data, err) // written atomically: never half a file
	}
	return &s
}

// TestRunStatus: `ember run --status` writes RUNNING while the job runs,
// then SUCCEEDED with the job's metrics.
func TestRunStatus(t *testing.T) {
	dir := t.TempDir()
	writeInput(t, dir+"/in", 6, 60000)
	sess := frame.NewSession()
	defer sess.Close()
	plan, status := dir+"/plan.json", dir+"/status/status.json"
	p := savePlan(t, scoring(sess, dir+"/in"), plan, dir+"/out")
	cmd := exec.Command(emberBinary(t), "run", plan, "--status", status, "--parallelism", "1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	var states []string
	var err error
poll:
	for {
		select {
		case err = <-exited:
			break poll
		default:
		}
		if s := readStatus(t, status); s != nil && (len(states) == 0 || states[len(states)-1] != s.State) {
			states = append(states, s.State)
		}
	}
	if err != nil {
		t.Fatalf("%v: %s", err, stderr.String())
	}
	s := readStatus(t, status)
	if len(states) == 0 || states[0] != cli.StateRunning || s.State != cli.StateSucceeded {
		t.Fatalf("states %v, then %s", states, s.State)
	}
	if s.Job != p.Job || s.Metrics == nil || s.Metrics.RowsOutput != 6*60000*2/3 || s.Finished == nil || s.Error != "" {
		t.Errorf("status %+v, metrics %+v", s, s.Metrics)
	}
}

// TestRunFailure: a job that fails exits 1 with one line on stderr, and
// its status says FAILED with the whole error.
func TestRunFailure(t *testing.T) {
	dir := t.TempDir()
	writeInput(t, dir+"/in", 1, 10)
	sess := frame.NewSession()
	defer sess.Close()
	plan, status := dir+"/plan.json", dir+"/status.json"
	savePlan(t, scoring(sess, dir+"/in/in-00.csv"), plan, dir+"/out")
	if err := os.Remove(dir + "/in/in-00.csv"); err != nil {
		t.Fatal(err)
	}
	r := ember(t, "run", plan, "--status", status)
	checkOneLine(t, r, cli.ExitFailed, "in-00.csv")
	s := readStatus(t, status)
	if s == nil || s.State != cli.StateFailed || !strings.Contains(s.Error, "in-00.csv") {
		t.Errorf("status %+v", s)
	}
	if _, err := os.Stat(dir + "/out"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a failed job left output: %v", err)
	}

	checkOneLine(t, ember(t), cli.ExitUsage, "no command")
	checkOneLine(t, ember(t, "run"), cli.ExitUsage, "PLAN")
	checkOneLine(t, ember(t, "run", plan, "--index", "3", "--count", "3"), cli.ExitUsage, "index < count")
	checkOneLine(t, ember(t, "run", dir+"/missing.json"), cli.ExitUsage, "missing.json")
	if err := os.WriteFile(dir+"/bad.json", []byte(`{"ember_saved_plan": 1, "plan": {"op": "nope"}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	checkOneLine(t, ember(t, "run", dir+"/bad.json"), cli.ExitUsage, "bad.json")
}
