package commit_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// writeJob writes src to dest through exec.Write on the local runner, with
// a checked allocator.
func writeJob(t *testing.T, ctx context.Context, src plan.Node, dest string, mode plan.SaveMode, format plan.FileFormat) (exec.Metrics, error) {
	t.Helper()
	mem := exectest.CheckedAlloc(t)
	w := &plan.Write{Input: src, Format: format, Path: dest, Mode: mode}
	return exec.Write(ctx, exec.Local{}, exec.Config{Allocator: mem, Parallelism: 2, BatchRows: 2}, w)
}

// snapshotDir maps every file below dir (relative path) to its content.
func snapshotDir(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(dir, path)
		out[rel] = string(b)
		return nil
	})
	return out
}

// checkComplete checks dir against its manifest: the manifest lists
// exactly the part files there, and their row counts.
func checkComplete(t *testing.T, dir string) commit.Manifest {
	t.Helper()
	m, err := commit.ReadManifest(dir)
	if err != nil {
		t.Fatalf("%s has no readable manifest: %v", dir, err)
	}
	var listed, found []string
	for _, f := range m.Files {
		listed = append(listed, f.Name)
		if f.Rows >= 0 {
			data, err := os.ReadFile(filepath.Join(dir, f.Name))
			if err != nil {
				t.Fatal(err)
			}
			if n := int64(strings.Count(string(data), "\n")); n != f.Rows {
				t.Fatalf("%s holds %d rows, the manifest says %d", f.Name, n, f.Rows)
			}
		}
	}
	for _, name := range exectest.ReadOutput(t, dir).Parts {
		found = append(found, name)
	}
	slices.Sort(listed)
	if !slices.Equal(listed, found) {
		t.Fatalf("manifest lists %v, directory holds %v", listed, found)
	}
	return m
}

func TestManifest(t *testing.T) {
	dest := filepath.Join(t.TempDir(), "out")
	src := &exectest.ScriptSource{Parts: 3, Batches: 2, Rows: 2}
	if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	m := checkComplete(t, dest)
	if m.Rows != 12 || len(m.Files) != 3 || m.Format != "txt" || len(m.Schema) != 1 || m.Job == "" {
		t.Fatalf("manifest %+v", m)
	}
	// Append keeps the old files (hard links) and lists them too.
	if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.Append, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	if m := checkComplete(t, dest); m.Rows != 24 || len(m.Files) != 6 {
		t.Fatalf("after Append: %+v", m)
	}
}

// TestCrashAfterEachCommitStep stops the protocol after every step, as a
// crash would, and checks the destination is the old dataset before the
// swap and the complete new one from the swap on; a new job then succeeds.
func TestCrashAfterEachCommitStep(t *testing.T) {
	t.Cleanup(func() { commit.SetCrashAfter(nil) })
	modes := []struct {
		name     string
		mode     plan.SaveMode
		existing bool
		steps    []int
	}{
		{"new", plan.ErrorIfExists, false, []int{commit.StepTasksDone, commit.StepTemporaryGone, commit.StepManifest, commit.StepSwapped}},
		{"overwrite", plan.Overwrite, true, []int{commit.StepTasksDone, commit.StepTemporaryGone, commit.StepManifest, commit.StepSwapped, commit.StepOldRemoved}},
		{"append", plan.Append, true, []int{commit.StepTasksDone, commit.StepTemporaryGone, commit.StepManifest, commit.StepExistingLinked, commit.StepSwapped, commit.StepOldRemoved}},
	}
	for _, m := range modes {
		for _, step := range m.steps {
			t.Run(fmt.Sprintf("%s/step%d", m.name, step), func(t *testing.T) {
				parent := t.TempDir()
				dest := filepath.Join(parent, "out")
				if m.existing {
					src := &exectest.ScriptSource{Parts: 2, Batches: 1, Rows: 3}
					if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
						t.Fatal(err)
					}
				}
				before := snapshotDir(t, dest)
				commit.SetCrashAfter(func(n int) bool { return n == step })
				src := &exectest.ScriptSource{Parts: 3, Batches: 2, Rows: 2}
				_, err := writeJob(t, context.Background(), src.Scan(), dest, m.mode, exectest.LineFormat{})
				commit.SetCrashAfter(nil)
				if !errors.Is(err, commit.ErrCrash) {
					t.Fatalf("err = %v, want the simulated crash", err)
				}
				switch {
				case step < commit.StepSwapped && !m.existing:
					if _, err := os.Stat(dest); !os.IsNotExist(err) {
						t.Fatalf("destination exists before the swap: %v", err)
					}
				case step < commit.StepSwapped:
					if got := snapshotDir(t, dest); !mapsEqual(got, before) {
						t.Fatalf("destination changed before the swap")
					}
				default:
					want := int64(12)
					if m.mode == plan.Append {
						want = 18
					}
					if got := checkComplete(t, dest); got.Rows != want {
						t.Fatalf("after the swap: %d rows, want %d", got.Rows, want)
					}
				}
				// Running again succeeds.
				mode := m.mode
				if mode == plan.ErrorIfExists {
					mode = plan.Overwrite
				}
				if _, err := writeJob(t, context.Background(), src.Scan(), dest, mode, exectest.LineFormat{}); err != nil {
					t.Fatalf("rerun: %v", err)
				}
				checkComplete(t, dest)
			})
		}
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestAbandonedStagingIsRemoved(t *testing.T) {
	parent := t.TempDir()
	dest := filepath.Join(parent, "out")
	// A process that has exited: its pid is free.
	cmd := osexec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	dead := filepath.Join(parent, fmt.Sprintf(".out.ember-staging-%s-%d-abc", commit.HostTag(), cmd.Process.Pid))
	alive := filepath.Join(parent, fmt.Sprintf(".out.ember-staging-%s-%d-def", commit.HostTag(), os.Getpid()))
	other := filepath.Join(parent, ".other.ember-staging-"+commit.HostTag()+"-1-x")
	elsewhere := filepath.Join(parent, fmt.Sprintf(".out.ember-staging-otherhost-%d-ghi", cmd.Process.Pid))
	for _, d := range []string{dead, alive, other, elsewhere} {
		if err := os.MkdirAll(filepath.Join(d, "_temporary"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	src := &exectest.ScriptSource{Parts: 1, Batches: 1, Rows: 1}
	if _, err := writeJob(t, context.Background(), src.Scan(), dest, plan.ErrorIfExists, exectest.LineFormat{}); err != nil {
		t.Fatal(err)
	}
	for d, want := range map[string]bool{dead: false, alive: true, other: true, elsewhere: true} {
		if _, err := os.Stat(d); (err == nil) != want {
			t.Errorf("%s: exists = %v, want %v", filepath.Base(d), err == nil, want)
		}
	}
}

// The SIGKILL test runs writes in a real subprocess (this test binary
// again) and kills it at random moments.
const killHelperEnv = "EMBER_KILL_HELPER_DEST"

// TestKillHelperProcess is the subprocess: it overwrites the destination
// with a slow job, stamping every row with its version.
func TestKillHelperProcess(t *testing.T) {
	dest := os.Getenv(killHelperEnv)
	if dest == "" {
		t.Skip("helper process for TestSIGKILLDuringWrite")
	}
	version, _ := strconv.Atoi(os.Getenv("EMBER_KILL_HELPER_VERSION"))
	src := &exectest.ScriptSource{Parts: 8, Batches: 20, Rows: 50, Before: func(context.Context, int, int) error {
		time.Sleep(time.Millisecond) // long enough for kills to land mid-job
		return nil
	}}
	w := &plan.Write{Input: src.Scan(), Format: versionFormat{version}, Path: dest, Mode: plan.Overwrite}
	if _, err := exec.Write(context.Background(), exec.Local{}, exec.Config{Parallelism: 2, BatchRows: 10}, w); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// versionFormat writes lines "<version>" so a reader can tell jobs apart.
type versionFormat struct{ version int }

func (versionFormat) Name() string      { return "lines" }
func (versionFormat) Extension() string { return "txt" }
func (f versionFormat) NewWriter(w io.Writer, _ *arrow.Schema) (plan.BatchWriter, error) {
	return &versionWriter{w: w, line: strconv.Itoa(f.version) + "\n"}, nil
}

type versionWriter struct {
	w    io.Writer
	line string
}

func (v *versionWriter) Write(b arrow.RecordBatch) error {
	_, err := io.WriteString(v.w, strings.Repeat(v.line, int(b.NumRows())))
	return err
}
func (v *versionWriter) Close() error { return nil }

func TestSIGKILLDuringWrite(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills subprocesses")
	}
	parent := t.TempDir()
	dest := filepath.Join(parent, "out")
	run := func(version int, killAfter time.Duration) error {
		cmd := osexec.Command(os.Args[0], "-test.run=^TestKillHelperProcess$")
		cmd.Env = append(os.Environ(), killHelperEnv+"="+dest, fmt.Sprintf("EMBER_KILL_HELPER_VERSION=%d", version))
		if err := cmd.Start(); err != nil {
			return err
		}
		if killAfter <= 0 {
			return cmd.Wait()
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case err := <-done:
			return err
		case <-time.After(killAfter):
			cmd.Process.Signal(syscall.SIGKILL)
			<-done
			return nil
		}
	}
	if err := run(0, 0); err != nil {
		t.Fatal(err)
	}
	const rows = 8 * 20 * 50
	versions := map[int]bool{0: true}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 1; i <= 12; i++ {
		if err := run(i, time.Duration(rng.IntN(400))*time.Millisecond); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		m := checkComplete(t, dest)
		content := snapshotDir(t, dest)
		var seen []string
		for name, body := range content {
			if name == commit.SuccessFile {
				continue
			}
			for _, line := range strings.Fields(body) {
				if !slices.Contains(seen, line) {
					seen = append(seen, line)
				}
			}
		}
		if len(seen) != 1 || m.Rows != rows {
			t.Fatalf("after kill %d the destination mixes versions %v or is incomplete (%d rows)", i, seen, m.Rows)
		}
		v, _ := strconv.Atoi(seen[0])
		versions[v] = true
	}
	// Re-running after the kills succeeds and cleans up what they left.
	if err := run(99, 0); err != nil {
		t.Fatal(err)
	}
	if m := checkComplete(t, dest); m.Rows != rows {
		t.Fatalf("final run: %d rows", m.Rows)
	}
	if names := exectest.Siblings(t, parent); !slices.Equal(names, []string{"out"}) {
		t.Fatalf("left behind: %v", names)
	}
	t.Logf("the destination held %d distinct versions across the kills", len(versions))
}

// TestSwapPaths: the staged directory takes the destination's place and
// the old data ends up at the staging path.
func TestSwapPaths(t *testing.T) {
	parent := t.TempDir()
	dest := filepath.Join(parent, "out")
	staging := filepath.Join(parent, ".out.staging")
	exectest.OldOutput(t, dest)
	if err := os.MkdirAll(staging, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(staging, "new.txt"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := commit.SwapPaths(staging, dest); err != nil {
		t.Fatal(err)
	}
	if names := exectest.Siblings(t, dest); !slices.Equal(names, []string{"new.txt"}) {
		t.Fatalf("destination holds %v", names)
	}
	if got := exectest.ReadOutput(t, staging); !got.Success {
		t.Fatalf("the old data is not at the staging path: %+v", got)
	}
}
