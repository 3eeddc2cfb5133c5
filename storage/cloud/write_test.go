package cloud_test

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/storage"
	"github.com/ember-df/ember/storage/cloud/s3test"
)

// writers are the formats a DataFrame writes, by name.
var writers = map[string]func(*frame.DataFrameWriter, string) error{
	"csv":     func(w *frame.DataFrameWriter, path string) error { return w.Option("header", "true").CSV(ctx, path) },
	"json":    func(w *frame.DataFrameWriter, path string) error { return w.JSON(ctx, path) },
	"parquet": func(w *frame.DataFrameWriter, path string) error { return w.Parquet(ctx, path) },
	"arrow":   func(w *frame.DataFrameWriter, path string) error { return w.Arrow(ctx, path) },
}

// reader reads back what writers wrote, by format name.
func reader(sess *frame.Session, format, path string) *frame.DataFrame {
	r := sess.Read()
	switch format {
	case "csv":
		return r.Option("header", "true").Option("inferSchema", "true").CSV(path)
	case "json":
		return r.JSON(path)
	case "parquet":
		return r.Parquet(path)
	}
	return r.Arrow(path)
}

// TestWriteEveryFormatToS3 writes each format to s3:// in every save mode
// and reads it back: Overwrite replaces (the old objects go), Append adds,
// ErrorIfExists refuses, Ignore leaves the data alone.
func TestWriteEveryFormatToS3(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	put(t, srv.URL("in/data.csv"), csvText(3000))
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(srv.URL("in/data.csv")).Repartition(3)
	want := rows(t, df)
	for format, write := range writers {
		t.Run(format, func(t *testing.T) {
			out := srv.URL("out-" + format)
			if err := write(df.Write(), out); err != nil {
				t.Fatal(err)
			}
			if got := rows(t, reader(sess, format, out)); !slices.Equal(got, want) {
				t.Fatalf("round trip: %d rows, want %d", len(got), len(want))
			}
			first, err := commit.ReadManifest(out)
			if err != nil || first.Rows != 3000 || len(first.Files) != 3 {
				t.Fatalf("manifest %+v, %v", first, err)
			}
			if err := write(df.Write(), out); err == nil || !strings.Contains(err.Error(), "already exists") {
				t.Fatalf("ErrorIfExists: %v", err)
			}
			if err := write(df.Limit(10).Write().Mode(frame.Ignore), out); err != nil {
				t.Fatal(err)
			}
			if err := write(df.Write().Mode(frame.Append), out); err != nil {
				t.Fatal(err)
			}
			doubled := append(slices.Clone(want), want...)
			slices.Sort(doubled)
			if got := rows(t, reader(sess, format, out)); !slices.Equal(got, doubled) {
				t.Fatalf("after Append: %d rows, want %d", len(got), len(doubled))
			}
			if err := write(df.Limit(10).Write().Mode(frame.Overwrite), out); err != nil {
				t.Fatal(err)
			}
			if n, err := reader(sess, format, out).Count(ctx); err != nil || n != 10 {
				t.Fatalf("after Overwrite: %d rows, %v", n, err)
			}
			objects, err := storage.List(ctx, out)
			if err != nil {
				t.Fatal(err)
			}
			if len(objects) != 2 { // one part file and _SUCCESS: the old parts are gone
				t.Fatalf("after Overwrite the destination holds %d objects", len(objects))
			}
		})
	}
}

// TestPartitionedWriteToS3 writes Hive-partitioned Parquet to s3:// and
// reads it back, pruning directories by a filter.
func TestPartitionedWriteToS3(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	put(t, srv.URL("in/data.csv"), csvText(600))
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(srv.URL("in/data.csv")).
		WithColumn("bucket", frame.Col("id").Mod(frame.Lit(int64(4))))
	out := srv.URL("by-bucket")
	if err := df.Repartition(3).Write().PartitionBy("bucket").Parquet(ctx, out); err != nil {
		t.Fatal(err)
	}
	parts, err := storage.Glob(ctx, out+"/bucket=*/part-*.parquet")
	if err != nil || len(parts) != 12 {
		t.Fatalf("%d part files under bucket=*/ (%v), want 12 (3 tasks × 4 buckets)", len(parts), err)
	}
	back := sess.Read().Parquet(out)
	if n, err := back.Count(ctx); err != nil || n != 600 {
		t.Fatalf("read back %d rows, %v", n, err)
	}
	pruned := back.Filter(frame.Col("bucket").Eq(int64(3)))
	if !strings.Contains(pruned.Explain(), "1 of 4 directories") {
		t.Fatalf("not pruned:\n%s", pruned.Explain())
	}
	if n, err := pruned.Count(ctx); err != nil || n != 150 {
		t.Fatalf("pruned: %d rows, %v", n, err)
	}
}

// TestSIGKILLWhileWritingToS3 runs a writer process that overwrites an
// s3:// dataset generation after generation, and kills it with SIGKILL at
// a random moment, several times. After each kill, a reader sees one whole
// generation: every row of one generation, no row of another.
func TestSIGKILLWhileWritingToS3(t *testing.T) {
	srv := s3test.Start(t)
	input := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(input, csvText(rowsPerGeneration), 0o644); err != nil {
		t.Fatal(err)
	}
	out := srv.URL("killed")
	rng := rand.New(rand.NewPCG(1, 2))
	for round := range 6 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKillHelper$")
		cmd.Env = append(os.Environ(), "EMBER_KILL_HELPER=1", "EMBER_KILL_IN="+input, "EMBER_KILL_OUT="+out,
			fmt.Sprintf("EMBER_KILL_FIRST=%d", round*1000))
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Wait until the writer is into its second generation, then kill
		// it at a random moment of a write.
		lines := bufio.NewScanner(stdout)
		for seen := 0; seen < 2 && lines.Scan(); seen++ {
		}
		time.Sleep(time.Duration(rng.IntN(400)) * time.Millisecond)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		checkOneGeneration(t, out, round)
	}
}

const rowsPerGeneration = 20000

// checkOneGeneration reads the dataset as a new user would and checks that
// it is exactly one whole generation.
func checkOneGeneration(t *testing.T, out string, round int) {
	t.Helper()
	sess := session(t)
	df := sess.Read().Parquet(out)
	gens, err := df.GroupBy("generation").Count().Collect(ctx)
	if err != nil {
		t.Fatalf("round %d: reading after the kill: %v", round, err)
	}
	defer gens.Release()
	if gens.NumRows() != 1 {
		t.Fatalf("round %d: the reader sees %d generations mixed", round, gens.NumRows())
	}
	counts := rows(t, df.GroupBy("generation").Count())
	var gen, n int64
	fmt.Sscanf(counts[0], "%d,%d", &gen, &n)
	if n != rowsPerGeneration {
		t.Fatalf("round %d: generation %d has %d rows, want %d", round, gen, n, rowsPerGeneration)
	}
	t.Logf("round %d: a whole generation %d", round, gen)
}

// TestKillHelper is the writer process of TestSIGKILLWhileWritingToS3: it
// overwrites EMBER_KILL_OUT with generation after generation of the input,
// printing a line as each one starts, until it is killed.
func TestKillHelper(t *testing.T) {
	if os.Getenv("EMBER_KILL_HELPER") != "1" {
		t.Skip("the writer process of TestSIGKILLWhileWritingToS3")
	}
	var first int64
	fmt.Sscan(os.Getenv("EMBER_KILL_FIRST"), &first)
	sess := frame.NewSession(frame.WithParallelism(2))
	defer sess.Close()
	in := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(os.Getenv("EMBER_KILL_IN"))
	for gen := first; ; gen++ {
		fmt.Println("generation", gen)
		df := in.WithColumn("generation", frame.Lit(gen)).Repartition(4)
		if err := df.Write().Mode(frame.Overwrite).Parquet(ctx, os.Getenv("EMBER_KILL_OUT")); err != nil && !errors.Is(err, ctx.Err()) {
			t.Fatal(err)
		}
	}
}

// TestConcurrentAppendsToS3: jobs appending to one s3:// destination at
// once commit one after the other under the destination's lock (a
// conditional PUT on the real S3-compatible server), so every append
// lands; without the lock the last manifest won and the others' rows
// vanished though every job reported success.
func TestConcurrentAppendsToS3(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	put(t, srv.URL("in/data.csv"), csvText(200))
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(srv.URL("in/data.csv")).Repartition(2)
	out := srv.URL("appended")
	const jobs = 6
	errs := make(chan error, jobs)
	for range jobs {
		go func() { errs <- df.Write().Mode(frame.Append).Parquet(ctx, out) }()
	}
	for range jobs {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n, err := sess.Read().Parquet(out).Count(ctx); err != nil || n != jobs*200 {
		t.Fatalf("%d concurrent appends of 200 rows read back %d rows (%v), want %d", jobs, n, err, jobs*200)
	}
	if _, err := storage.Stat(ctx, storage.Join(out, "_ember_commit.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the commit lock is still there: %v", err)
	}
}
