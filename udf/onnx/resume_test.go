package onnx_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// The resumable scoring job: the iris forest over an iris-like CSV,
// written as Parquet under a job id. TestResumeHelper runs it in a child
// process when EMBER_RESUME_IN is set.
const resumeJob = "iris-scores"

func scoreJob(ctx context.Context, sess *frame.Session, in, out string) error {
	m, err := onnx.Load(irisModel, onnx.WithOutputs("output_label"))
	if err != nil {
		return err
	}
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in)
	return df.WithColumn("label", udf.Predict(m, irisFeatures...)).
		Write().Mode(frame.Overwrite).Resumable(resumeJob).Parquet(ctx, out)
}

// resumeSession reads the input in resumeTasks splits and runs two tasks
// at a time, so that tasks commit one wave after another.
func resumeSession(opts ...frame.Option) *frame.Session {
	return frame.NewSession(append(opts, frame.WithParallelism(resumeTasks),
		frame.WithRunner(exec.Local{Config: exec.Config{Parallelism: 2}}))...)
}

const resumeTasks = 8

func TestResumeHelper(t *testing.T) {
	in := os.Getenv("EMBER_RESUME_IN")
	if in == "" {
		t.Skip("runs as the child of TestResumeAfterSIGKILL")
	}
	sess := resumeSession()
	defer sess.Close()
	if err := scoreJob(context.Background(), sess, in, os.Getenv("EMBER_RESUME_OUT")); err != nil {
		t.Fatal(err)
	}
}

// TestResumeAfterSIGKILL scores 2,000,000 rows with the real model in a
// child process killed with SIGKILL at a random point — twice — and
// resumes the job: the output is byte for byte an uninterrupted run's, and
// the resumed run scores exactly the rows whose tasks had not committed.
func TestResumeAfterSIGKILL(t *testing.T) {
	onnxtest.RequireRuntime(t)
	if testing.Short() {
		t.Skip("scores 2,000,000 rows three times")
	}
	const rows = 2_000_000
	dir := t.TempDir()
	in := filepath.Join(dir, "iris.csv")
	writeIrisLike(t, in, rows)
	ctx := context.Background()

	reference := filepath.Join(dir, "reference")
	sess := resumeSession()
	defer sess.Close()
	if err := scoreJob(ctx, sess, in, reference); err != nil {
		t.Fatal(err)
	}
	tasks := sess.LastMetrics().Partitions
	if tasks < 4 {
		t.Fatalf("the job has %d tasks; the test wants several waves of them", tasks)
	}
	out := filepath.Join(dir, "out")
	records := filepath.Join(dir, ".out.ember-tasks-"+resumeJob)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	recorded := 0
	for round := 1; round <= 2 && recorded < tasks-2; round++ {
		// Kill the child once a random number of tasks, more than before
		// and fewer than all, have committed.
		target := recorded + 1 + rng.IntN(tasks-2-recorded)
		cmd := osexec.Command(os.Args[0], "-test.run=^TestResumeHelper$")
		cmd.Env = append(os.Environ(), "EMBER_RESUME_IN="+in, "EMBER_RESUME_OUT="+out)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		deadline := time.After(2 * time.Minute)
		for countRecords(records) < target {
			select {
			case err := <-exited:
				t.Fatalf("round %d: the child finished before it could be killed (%v)", round, err)
			case <-deadline:
				cmd.Process.Kill()
				t.Fatalf("round %d: no task committed within 2 minutes", round)
			case <-time.After(5 * time.Millisecond): // polling the records directory
			}
		}
		cmd.Process.Signal(syscall.SIGKILL)
		<-exited
		recorded = countRecords(records)
		t.Logf("round %d: killed with %d of %d tasks committed", round, recorded, tasks)
	}
	if _, err := commit.ReadManifest(out); err == nil {
		t.Fatal("a killed job committed")
	}
	committedRows := recordedRows(t, records)

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	resumed := resumeSession(frame.WithAllocator(mem))
	defer resumed.Close()
	if err := scoreJob(ctx, resumed, in, out); err != nil {
		t.Fatal(err)
	}
	u := resumed.LastMetrics().UDFs[0]
	t.Logf("resumed: %d rows scored, %d rows were committed before the kills", u.Rows, committedRows)
	if u.Rows+committedRows != int64(rows) {
		t.Fatalf("the resumed run scored %d rows; with the %d committed ones that is not the %d of the input", u.Rows, committedRows, rows)
	}
	if got, want := digest(t, out), digest(t, reference); got != want {
		t.Fatalf("resumed output\n%s\nuninterrupted\n%s", got, want)
	}
	if _, err := os.Stat(records); !os.IsNotExist(err) {
		t.Fatalf("the task records are still there (%v)", err)
	}
}

// writeIrisLike writes rows of id and four iris-like measures.
func writeIrisLike(t *testing.T, path string, rows int) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b []byte
	b = append(b, "id,sepal_length,sepal_width,petal_length,petal_width\n"...)
	for i := range rows {
		b = strconv.AppendInt(b, int64(i), 10)
		b = fmt.Appendf(b, ",%d.%d,%d.%d,%d.%d,%d.%d\n", 4+i%4, i%10, 2+i%3, (i/7)%10, 1+i%6, (i/3)%10, i%3, (i/11)%10)
		if len(b) > 1<<20 {
			if _, err := f.Write(b); err != nil {
				t.Fatal(err)
			}
			b = b[:0]
		}
	}
	if _, err := f.Write(b); err != nil {
		t.Fatal(err)
	}
}

func countRecords(dir string) int {
	entries, _ := os.ReadDir(dir)
	n := 0
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "task-") && strings.HasSuffix(e.Name(), ".json") {
			n++
		}
	}
	return n
}

// recordedRows sums the rows of the files the job's tasks recorded.
func recordedRows(t *testing.T, dir string) int64 {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var n int64
	for _, e := range entries {
		p, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(e.Name(), "task-"), ".json"))
		if err != nil {
			continue
		}
		files, ok, err := commit.ReadTaskRecord(context.Background(), commit.Target{Job: resumeJob, Records: dir}, p)
		if err != nil || !ok {
			t.Fatalf("record %s: %v", e.Name(), err)
		}
		for _, f := range files {
			n += f.Rows
		}
	}
	return n
}

// digest lists a committed dataset's files with their rows and the
// SHA-256 of their rows, in order, as text (the bytes of a Parquet file
// need not be the same for the same rows).
func digest(t *testing.T, dir string) string {
	t.Helper()
	m, err := commit.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	sess := frame.NewSession()
	defer sess.Close()
	var b strings.Builder
	for _, f := range m.Files {
		tbl, err := sess.Read().Parquet(filepath.Join(dir, f.Name)).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		for c := range tbl.NumCols() {
			for _, chunk := range tbl.Column(int(c)).Data().Chunks() {
				for r := range chunk.Len() {
					fmt.Fprintln(h, chunk.ValueStr(r))
				}
			}
		}
		tbl.Release()
		fmt.Fprintf(&b, "%s %d rows %s\n", f.Name, f.Rows, hex.EncodeToString(h.Sum(nil)[:8]))
	}
	return b.String()
}
