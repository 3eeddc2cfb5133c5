// Command beam-compare times ember's 2,000,000-row iris scoring job on
// three runners in one run: the local runner, Beam on Prism in this
// process (LOOPBACK), and a Prism job server started as a subprocess with
// PROCESS workers (Beam's boot loader and the pre-built
// cmd/ember-beam-worker, each job staging it). The job:
//
//	read an iris-like CSV (header, inferSchema) → prediction =
//	udf.Predict(forest, the four measurements) → write CSV (Overwrite)
//
// It generates the input (the 150 flowers of examples/iris/iris.csv plus
// gaussian noise), builds the binaries, runs the modes interleaved
// round-robin, checks every run wrote every row, and prints each mode's
// median, min and max wall time and its ratio to the local runner. A
// one-row job on each Beam mode measures the fixed cost of a job
// (submission, staging, worker start). Run it from the cluster module:
//
//	go -C cluster run ./cmd/beam-compare -rows 2000000 -runs 5
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ember-df/ember/cluster"
	"github.com/ember-df/ember/cluster/internal/jobserver"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

func main() {
	rows := flag.Int("rows", 2_000_000, "rows of the input CSV")
	runs := flag.Int("runs", 5, "timed runs per mode")
	modes := flag.String("modes", "local,inprocess,jobserver", "modes to time")
	dir := flag.String("dir", "", "work directory (default: a temporary one, removed)")
	cluster.Init()
	if err := run(*rows, *runs, strings.Split(*modes, ","), *dir); err != nil {
		fmt.Fprintln(os.Stderr, "beam-compare:", err)
		os.Exit(1)
	}
}

func run(rows, runs int, modes []string, dir string) error {
	ctx := context.Background()
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "beam-compare-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	in := filepath.Join(dir, "iris.csv")
	tiny := filepath.Join(dir, "tiny.csv")
	fmt.Printf("generating %d rows\n", rows)
	if err := generate(filepath.Join(root, "..", "examples", "iris", "iris.csv"), in, rows); err != nil {
		return err
	}
	if err := generate(filepath.Join(root, "..", "examples", "iris", "iris.csv"), tiny, 1); err != nil {
		return err
	}
	model, err := onnx.Load(filepath.Join(root, "..", "udf", "onnx", "testdata", "iris_random_forest.onnx"), onnx.WithOutputs("output_label"))
	if err != nil {
		return err
	}
	lib, err := onnx.FindLibrary()
	if err != nil {
		return err
	}

	runners := map[string]func() *cluster.Runner{
		"local":     func() *cluster.Runner { return nil },
		"inprocess": func() *cluster.Runner { return cluster.Beam() },
	}
	if slices.Contains(modes, "jobserver") {
		bin := filepath.Join(dir, "bin")
		fmt.Println("building prism, the boot loader and the worker")
		start := time.Now()
		if err := jobserver.Build(ctx, root, bin, "prism", "boot", "worker"); err != nil {
			return err
		}
		fmt.Printf("built in %s\n", time.Since(start).Round(time.Millisecond))
		wrapper, err := jobserver.BootWrapper(dir, filepath.Join(bin, "boot"), filepath.Join(dir, "persist"))
		if err != nil {
			return err
		}
		start = time.Now()
		srv, err := jobserver.Start(filepath.Join(bin, "prism"), dir, []string{"ONNXRUNTIME_LIB=" + lib}, time.Minute)
		if err != nil {
			return err
		}
		defer srv.Stop()
		fmt.Printf("job server ready in %s\n", time.Since(start).Round(time.Millisecond))
		runners["jobserver"] = func() *cluster.Runner {
			return cluster.Beam(cluster.Endpoint(srv.Endpoint), cluster.Environment("PROCESS"),
				cluster.EnvironmentConfig(wrapper), cluster.WorkerBinary(filepath.Join(bin, "worker")))
		}
	}

	job := func(mode, input string, wantRows int) (time.Duration, error) {
		var opts []frame.Option
		if r := runners[mode](); r != nil {
			opts = append(opts, frame.WithRunner(r))
		}
		sess := frame.NewSession(opts...)
		defer sess.Close()
		out := filepath.Join(dir, "out-"+mode)
		start := time.Now()
		df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(input)
		df = df.WithColumn("prediction", udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width"))
		if err := df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out); err != nil {
			return 0, fmt.Errorf("%s: %w", mode, err)
		}
		wall := time.Since(start)
		n, err := countRows(out)
		if err != nil {
			return 0, err
		}
		if n != wantRows {
			return 0, fmt.Errorf("%s wrote %d rows, want %d", mode, n, wantRows)
		}
		return wall, nil
	}

	// Warm up every mode (the model loads, the job server's first job),
	// then measure a job's fixed cost with a one-row input.
	fixed := map[string][]time.Duration{}
	for _, mode := range modes {
		if _, err := job(mode, in, rows); err != nil {
			return err
		}
		for range 3 {
			d, err := job(mode, tiny, 1)
			if err != nil {
				return err
			}
			fixed[mode] = append(fixed[mode], d)
		}
	}
	walls := map[string][]time.Duration{}
	for i := range runs {
		for _, mode := range modes {
			d, err := job(mode, in, rows)
			if err != nil {
				return err
			}
			walls[mode] = append(walls[mode], d)
			fmt.Printf("run %d %-10s %s\n", i+1, mode, d.Round(time.Millisecond))
		}
	}
	fmt.Printf("\n%d rows, %d runs per mode, %d CPUs\n", rows, runs, runtime.NumCPU())
	fmt.Printf("%-10s %10s %10s %10s %8s %12s\n", "mode", "median", "min", "max", "×local", "1-row job")
	base := median(walls["local"])
	for _, mode := range modes {
		w := walls[mode]
		ratio := "-"
		if base > 0 {
			ratio = fmt.Sprintf("%.2f", float64(median(w))/float64(base))
		}
		fmt.Printf("%-10s %10s %10s %10s %8s %12s\n", mode, r(median(w)), r(slices.Min(w)), r(slices.Max(w)), ratio, r(median(fixed[mode])))
	}
	return udf.Unload(model)
}

func r(d time.Duration) string { return d.Round(time.Millisecond).String() }

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// moduleRoot finds the cluster module's directory from the working
// directory up.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if data, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.HasPrefix(string(data), "module github.com/ember-df/ember/cluster\n") {
			return dir, nil
		}
		if c := filepath.Join(dir, "cluster"); dirHasClusterMod(c) {
			return c, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run beam-compare inside the ember repository")
		}
		dir = parent
	}
}

func dirHasClusterMod(dir string) bool {
	data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	return err == nil && strings.HasPrefix(string(data), "module github.com/ember-df/ember/cluster\n")
}

// generate writes rows flowers: the real ones of irisPath, cycled, with
// gaussian noise (σ 0.1 cm), deterministic.
func generate(irisPath, out string, rows int) error {
	data, err := os.ReadFile(irisPath)
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	header, flowers := lines[0], lines[1:]
	f, err := os.Create(out)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprintln(w, header)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range rows {
		cells := strings.Split(flowers[i%len(flowers)], ",")
		for c := 0; c < 4; c++ {
			v, _ := strconv.ParseFloat(cells[c], 64)
			cells[c] = strconv.FormatFloat(max(0.1, v+rng.NormFloat64()*0.1), 'f', 2, 64)
		}
		w.WriteString(strings.Join(cells, ","))
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// countRows counts the data lines of the CSV part files in dir.
func countRows(dir string) (int, error) {
	parts, err := filepath.Glob(filepath.Join(dir, "part-*"))
	if err != nil {
		return 0, err
	}
	n := 0
	for _, p := range parts {
		data, err := os.ReadFile(p)
		if err != nil {
			return 0, err
		}
		n += strings.Count(string(data), "\n") - 1 // the header
	}
	return n, nil
}
