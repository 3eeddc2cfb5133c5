// Command monitor-overhead measures what watching a job costs: the
// issue's figure, "the 2,000,000-row iris scoring job with progress, UI
// and event log all on costs ≤ 3% more wall time than with them off (same
// run, medians)".
//
// It generates an iris-like CSV (each row one of examples/iris/iris.csv's
// flowers with N(0, 0.1 cm) noise, one decimal), then runs the scoring job
// of bench/cmd/predict-job — read CSV → udf.Predict with the ONNX iris
// forest → write CSV — in this process, alternating two arms, each in a
// session of its own:
//
//   - off: no listener;
//   - on: frame.WithProgress (Mode Always, drawing into io.Discard — the
//     same polling and rendering as on a terminal), frame.WithEventLog,
//     frame.WithUI("127.0.0.1:0") and a metrics.Exporter.
//
// One warm-up run of each arm comes first (it loads the model once for the
// process, as a long-running program does), then -runs runs of each,
// alternating so that both see the same machine: off then on in even
// runs, on then off in odd ones, so that neither arm always runs second.
// It prints each run's wall and CPU time, and for each the medians and
// their ratio on/off.
//
// Usage:
//
//	go -C bench run ./cmd/monitor-overhead [-rows 2000000] [-runs 6] [-model ../examples/iris/iris_random_forest.onnx]
package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"syscall"
	"time"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/metrics"
	"github.com/ember-df/ember/monitor/progress"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

func main() {
	rows := flag.Int("rows", 2_000_000, "rows of the generated input")
	runs := flag.Int("runs", 6, "timed runs of each arm (even: each arm runs first as often)")
	model := flag.String("model", "../examples/iris/iris_random_forest.onnx", "ONNX model: input X float32[N,4], output output_label int64[N]")
	iris := flag.String("iris", "../examples/iris/iris.csv", "the iris flowers to draw rows from")
	dir := flag.String("dir", "", "work directory (default a temporary one, removed at the end)")
	flag.Parse()
	if err := run(*rows, *runs, *model, *iris, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "monitor-overhead:", err)
		os.Exit(1)
	}
}

func run(rows, runs int, modelPath, irisPath, dir string) error {
	if dir == "" {
		tmp, err := os.MkdirTemp("", "monitor-overhead-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	in := filepath.Join(dir, "input.csv")
	if err := generate(in, irisPath, rows); err != nil {
		return err
	}
	type arm struct {
		name string
		opts func(run int) []frame.Option
	}
	arms := []arm{
		{"off", func(int) []frame.Option { return nil }},
		{"on", func(run int) []frame.Option {
			return []frame.Option{
				frame.WithProgress(progress.Options{Writer: io.Discard, Mode: progress.Always}),
				frame.WithEventLog(filepath.Join(dir, "events")),
				frame.WithUI("127.0.0.1:0"),
				frame.WithListener(metrics.New()),
			}
		}},
	}
	times, cpus := map[string][]time.Duration{}, map[string][]time.Duration{}
	for r := -1; r < runs; r++ { // run -1 warms up
		order := arms
		if r%2 != 0 { // odd runs (and the warm-up) go on, off: each arm runs first as often
			order = []arm{arms[1], arms[0]}
		}
		for _, arm := range order {
			out := filepath.Join(dir, "out-"+arm.name)
			d, cpu, err := score(in, out, modelPath, arm.opts(r))
			if err != nil {
				return fmt.Errorf("%s run %d: %w", arm.name, r+1, err)
			}
			label := fmt.Sprintf("run %d", r+1)
			if r < 0 {
				label = "warm-up"
			} else {
				times[arm.name] = append(times[arm.name], d)
				cpus[arm.name] = append(cpus[arm.name], cpu)
			}
			fmt.Printf("%-8s %-3s %8.3fs wall %8.3fs CPU\n", label, arm.name, d.Seconds(), cpu.Seconds())
		}
	}
	for _, m := range []struct {
		what string
		runs map[string][]time.Duration
	}{{"wall", times}, {"CPU", cpus}} {
		off, on := median(m.runs["off"]), median(m.runs["on"])
		fmt.Printf("%s: rows %d, runs %d each; median off %.3fs, on %.3fs; on/off %.4f (%+.2f%%)\n",
			m.what, rows, runs, off.Seconds(), on.Seconds(), on.Seconds()/off.Seconds(), 100*(on.Seconds()/off.Seconds()-1))
	}
	return nil
}

// score runs the scoring job in a session with opts and returns its wall
// time, from the session's creation to its Close, and the CPU time (user
// and system) the process spent meanwhile — less sensitive than wall time
// to other processes on a busy machine.
func score(in, out, modelPath string, opts []frame.Option) (wall, cpu time.Duration, err error) {
	startCPU, err := cpuTime()
	if err != nil {
		return 0, 0, err
	}
	start := time.Now()
	sess := frame.NewSession(opts...)
	model, err := onnx.Load(modelPath, onnx.WithOutputs("output_label"))
	if err != nil {
		sess.Close()
		return 0, 0, err
	}
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in).
		WithColumn("prediction", udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width"))
	err = df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(context.Background(), out)
	if cerr := sess.Close(); err == nil {
		err = cerr
	}
	wall = time.Since(start)
	endCPU, cerr := cpuTime()
	if err == nil {
		err = cerr
	}
	return wall, endCPU - startCPU, err
}

// cpuTime is the user and system CPU time of the process so far.
func cpuTime() (time.Duration, error) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, err
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), nil
}

// generate writes rows iris-like rows to path: each a random flower of
// the iris file with N(0, 0.1) noise on each measurement, one decimal.
func generate(path, irisPath string, rows int) error {
	f, err := os.Open(irisPath)
	if err != nil {
		return err
	}
	records, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		return err
	}
	type flower struct {
		x     [4]float64
		label int
	}
	species := map[string]int{"setosa": 0, "versicolor": 1, "virginica": 2}
	var flowers []flower
	for _, rec := range records[1:] {
		var fl flower
		for i := range 4 {
			if fl.x[i], err = strconv.ParseFloat(rec[i], 64); err != nil {
				return fmt.Errorf("%s: %w", irisPath, err)
			}
		}
		fl.label = species[rec[4]]
		flowers = append(flowers, fl)
	}
	out, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(out, 1<<20)
	w.WriteString("sepal_length,sepal_width,petal_length,petal_width,label\n")
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 0, 64)
	for range rows {
		fl := flowers[rng.IntN(len(flowers))]
		buf = buf[:0]
		for i, x := range fl.x {
			v := math.Round((x+rng.NormFloat64()*0.1)*10) / 10
			buf = strconv.AppendFloat(buf, min(max(v, 0.1), 12.7), 'f', 1, 64)
			if i < 3 {
				buf = append(buf, ',')
			}
		}
		buf = append(buf, ',')
		buf = strconv.AppendInt(buf, int64(fl.label), 10)
		buf = append(buf, '\n')
		w.Write(buf)
	}
	if err := w.Flush(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
