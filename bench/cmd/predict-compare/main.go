// Command predict-compare runs ember's model-scoring benchmark side by
// side: one batch-inference job done by ember, by a hand-written Go loop
// and by pandas with scikit-learn, each as its own process, so wall time,
// CPU time and peak resident memory are measured per process.
//
// The job:
//
//	read an iris-like CSV (header sepal_length,sepal_width,petal_length,
//	petal_width,label) → score every row with a random-forest classifier →
//	write CSV with header: the input columns plus prediction (int64)
//
// ember (bench/cmd/predict-job, udf.Predict) and the hand-written loop
// (bench/cmd/iris-handloop: arrow-go CSV → onnxruntime_go → arrow-go CSV)
// run the same ONNX model, udf/onnx/testdata/iris_random_forest.onnx, so
// their predictions must be identical row for row. pandas
// (bench/pandas/predict.py) trains scikit-learn's RandomForestClassifier on
// the bundled iris data inside the timed run and predicts with it.
//
// Two more contenders measure model plugins (package plugins): inprocess
// is ember scoring the same forest in process and naming the species
// (udf.Predict(...).Labels), plugin is ember with the forest in plugin
// processes (examples/plugins/iris, which names the species too). Their
// predictions must be identical row for row, and the plugin's throughput
// should be at least 0.9× in-process:
//
//	go -C bench run ./cmd/predict-compare -only inprocess,plugin
//
// predict-compare generates the input deterministically from the 150 real
// flowers of examples/iris/iris.csv plus gaussian noise, builds the Go
// contenders, runs every contender interleaved round-robin, checks every
// run's output (row count, the input's rows, predictions in {0,1,2},
// accuracy against the labels ≥ 0.9, and ember's predictions against the
// hand-written loop's) and prints median, min and max wall time, median
// CPU time and peak RSS, and ember's ratios to the others. A run that exits
// non-zero, times out or writes a wrong result is reported as failed and is
// not timed; any failure makes predict-compare exit with status 1.
//
// Run it from anywhere inside the ember module:
//
//	bash scripts/install-onnxruntime.sh   # once: ONNX Runtime
//	bash bench/setup.sh                   # once: pandas and scikit-learn
//	go -C bench run ./cmd/predict-compare    # -rows 2000000 -runs 5
//	go -C bench run ./cmd/predict-compare -only handloop,pandas -rows 200000 -runs 2
//
// See bench/README.md for what is measured and how to read the report.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ember-df/ember/bench/internal/harness"
)

// contenderNames lists the contenders in report order.
var contenderNames = []string{"ember", "handloop", "pandas", "inprocess", "plugin"}

// log prints progress lines.
const log = harness.Log("predict-compare")

// flags are predict-compare's own flags, beside the harness's.
type flags struct {
	model  string // ONNX model of ember and handloop; "" means the repository's
	python string // interpreter of the pandas contender
}

func main() {
	var fl flags
	cfg, err := harness.ParseFlags("predict-compare", os.Args[1:], contenderNames, harness.Config{Rows: 2_000_000},
		func(fs *flag.FlagSet) {
			fs.StringVar(&fl.model, "model", "", "ONNX model scored by ember and handloop (default: udf/onnx/testdata/iris_random_forest.onnx of this checkout)")
			fs.StringVar(&fl.python, "python", "/usr/bin/python3", "Python interpreter of the pandas contender (needs pandas and scikit-learn; bench/setup.sh installs Debian's)")
		})
	if err != nil {
		fmt.Fprintln(os.Stderr, "predict-compare:", err)
		os.Exit(2)
	}
	failed, err := run(cfg, fl)
	if err != nil {
		fmt.Fprintln(os.Stderr, "predict-compare:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// run performs the whole benchmark and prints the report. It reports
// whether any contender failed; err is for problems that stop the benchmark
// itself.
func run(cfg harness.Config, fl flags) (failed bool, err error) {
	root, err := harness.ModuleRoot()
	if err != nil {
		return false, err
	}
	if fl.model == "" {
		fl.model = filepath.Join(root, "udf", "onnx", "testdata", "iris_random_forest.onnx")
	}
	if fl.model, err = filepath.Abs(fl.model); err != nil {
		return false, err
	}
	if _, err := os.Stat(fl.model); err != nil {
		return false, fmt.Errorf("-model: %w", err)
	}
	iris, err := readIris(filepath.Join(root, "examples", "iris", "iris.csv"))
	if err != nil {
		return false, err
	}
	dir, cleanup, err := harness.WorkDir(cfg, log)
	if err != nil {
		return false, err
	}
	defer cleanup()

	input := filepath.Join(dir, "input.csv")
	log.Printf("generating %d rows into %s", cfg.Rows, input)
	exp, err := generateInput(input, iris, cfg.Rows, cfg.Seed)
	if err != nil {
		return false, fmt.Errorf("generate input: %w", err)
	}

	outRoot := filepath.Join(dir, "out")
	b := &bench{exp: exp, timeout: cfg.Timeout, tallies: map[string][]tally{}}
	var cs []*harness.Contender
	for _, name := range cfg.Only {
		cs = append(cs, prepare(name, cfg, fl, root, dir, input, filepath.Join(outRoot, name)))
	}
	harness.RoundRobin(cs, cfg.Runs, cfg.Warmup, func(c *harness.Contender) harness.Result {
		return b.measure(c, filepath.Join(outRoot, c.Name))
	}, log)
	os.RemoveAll(outRoot)

	b.crossCheck(cs)
	return b.report(os.Stdout, cfg, cs), nil
}

// prepare sets up contender name reading input and writing out: builds the
// Go programs into dir/bin, finds ONNX Runtime for them, and checks that
// the Python interpreter has pandas and scikit-learn.
func prepare(name string, cfg harness.Config, fl flags, root, dir, input, out string) *harness.Contender {
	c := &harness.Contender{Name: name}
	var prog string
	switch name {
	case "ember":
		c.About = "ember, this checkout (" + harness.GoVersion(root) + "), udf.Predict"
		prog = "predict-job"
	case "handloop":
		c.About = "hand-written loop: arrow-go " + harness.ModuleVersion(root, "github.com/apache/arrow-go/v18") +
			" csv → onnxruntime_go " + harness.ModuleVersion(root, "github.com/yalue/onnxruntime_go") +
			" (intra-op threads = GOMAXPROCS) → arrow-go csv"
		prog = "iris-handloop"
	case "pandas":
		c.About, c.Skipped = pandasAbout(fl.python)
		c.Argv = []string{fl.python, filepath.Join(root, "bench", "pandas", "predict.py"), input, out}
		return c
	case "inprocess":
		c.About = "ember, udf.Predict(forest).Labels(species…): the forest in process, predicting the species' name"
		prog = "predict-job"
	case "plugin":
		c.About = "ember, udf.Predict(plugins.Open(iris-plugin)): the same forest in plugin processes (examples/plugins/iris), predicting the species' name"
		prog = "predict-job"
	}
	lib, version, skipped := onnxRuntime(root)
	if skipped != "" {
		c.Skipped = skipped
		return c
	}
	c.About += ", ONNX Runtime " + version + ", model " + filepath.Base(fl.model)
	c.Env = append(cfg.GoEnv(), "ONNXRUNTIME_LIB="+lib)
	var bin string
	if bin, c.Broken = harness.BuildGo(root, dir, prog, log); c.Broken != "" {
		return c
	}
	c.Argv = []string{bin, "-in", input, "-out", out, "-model", fl.model}
	switch name {
	case "inprocess":
		c.Argv = append(c.Argv, "-species")
	case "plugin":
		var plugin string
		if plugin, c.Broken = harness.BuildPackage(root, dir, "./examples/plugins/iris", "iris-plugin", log); c.Broken != "" {
			return c
		}
		c.About = strings.Replace(c.About, ", model "+filepath.Base(fl.model), ", model embedded in the plugin", 1)
		c.Argv = []string{bin, "-in", input, "-out", out, "-plugin", plugin}
	}
	return c
}

// onnxRuntime returns the ONNX Runtime library the Go contenders load
// ($ONNXRUNTIME_LIB, or the one scripts/install-onnxruntime.sh installs
// into the checkout) and its version, or why they are skipped.
func onnxRuntime(root string) (lib, version, skipped string) {
	const hint = "run `bash scripts/install-onnxruntime.sh` or set ONNXRUNTIME_LIB"
	if lib = os.Getenv("ONNXRUNTIME_LIB"); lib != "" {
		if _, err := os.Stat(lib); err != nil {
			return "", "", fmt.Sprintf("ONNXRUNTIME_LIB: %v", err)
		}
		return lib, "(from ONNXRUNTIME_LIB)", ""
	}
	dir := filepath.Join(root, "third_party", "onnxruntime", "lib")
	lib = filepath.Join(dir, "libonnxruntime.so.1")
	if _, err := os.Stat(lib); err != nil {
		return "", "", "ONNX Runtime is not installed; " + hint
	}
	v, err := os.ReadFile(filepath.Join(dir, "VERSION"))
	if err != nil {
		return lib, "?", ""
	}
	return lib, strings.TrimSpace(string(v)), ""
}

// pandasAbout describes the pandas contender (library and interpreter
// versions), or says why it is skipped.
func pandasAbout(python string) (about, skipped string) {
	const hint = "run `bash bench/setup.sh` to install Debian's python3-pandas and python3-sklearn"
	out, err := exec.Command(python, "-c",
		"import platform, pandas, sklearn; print(pandas.__version__, sklearn.__version__, platform.python_version())").Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && strings.Contains(string(ee.Stderr), "ModuleNotFoundError") {
			return "", python + " lacks pandas or scikit-learn; " + hint
		}
		return "", fmt.Sprintf("%s does not run (%v); %s", python, err, hint)
	}
	v := strings.Fields(string(out))
	if len(v) != 3 {
		return "", fmt.Sprintf("%s printed %q for its versions", python, out)
	}
	return fmt.Sprintf("pandas %s + scikit-learn %s (Python %s, %s): RandomForestClassifier(n_estimators=100) trained in the run, predict on 1 thread",
		v[0], v[1], v[2], python), ""
}

// bench holds what the runs of one invocation share: the expected output
// and what each contender's runs wrote.
type bench struct {
	exp     expectation
	timeout time.Duration
	// tallies holds, per contender, the tally of each measured or warm-up
	// run whose output passed verifyOutput, in order.
	tallies map[string][]tally
	// trainTimes holds the training times the pandas runs printed.
	trainTimes []time.Duration
}

// measure runs contender c once, its output going to out (removed before
// and after), and checks the output; a run whose predictions differ from an
// earlier run of the same contender fails.
func (b *bench) measure(c *harness.Contender, out string) harness.Result {
	if err := os.RemoveAll(out); err != nil {
		return harness.Result{Err: err}
	}
	defer os.RemoveAll(out)
	if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
		return harness.Result{Err: err}
	}
	r, stdout := harness.Exec(c.Argv, c.Env, b.timeout)
	if r.Err != nil {
		return r
	}
	t, err := verifyOutput(out, b.exp)
	if err != nil {
		r.Err = fmt.Errorf("wrong output: %w", err)
		return r
	}
	if prev := b.tallies[c.Name]; len(prev) > 0 && prev[0].RowSum != t.RowSum {
		r.Err = fmt.Errorf("wrong output: predictions differ from this contender's first run (predicted classes %v, first run %v)", t.Classes, prev[0].Classes)
		return r
	}
	b.tallies[c.Name] = append(b.tallies[c.Name], t)
	if d, ok := trainTime(stdout); ok {
		b.trainTimes = append(b.trainTimes, d)
	}
	return r
}

// trainTime returns the training time a pandas run printed
// ("train_seconds S").
func trainTime(stdout string) (time.Duration, bool) {
	for line := range strings.SplitSeq(stdout, "\n") {
		if v, ok := strings.CutPrefix(line, "train_seconds "); ok {
			s, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return time.Duration(s * float64(time.Second)), err == nil
		}
	}
	return 0, false
}

// crossCheck fails every run whose predictions differ from its
// reference's: ember's from the hand-written loop's, the plugin's from the
// same forest's in process. Each pair scores the same ONNX model, so each
// row's prediction must be the same; the reference is the simpler program.
func (b *bench) crossCheck(cs []*harness.Contender) {
	b.crossCheckPair(cs, "ember", "handloop")
	b.crossCheckPair(cs, "plugin", "inprocess")
}

func (b *bench) crossCheckPair(cs []*harness.Contender, name, reference string) {
	e, h := b.tallies[name], b.tallies[reference]
	if len(e) == 0 || len(h) == 0 || e[0].RowSum == h[0].RowSum {
		return
	}
	err := fmt.Errorf("wrong output: predictions differ from %s's on the same model (predicted classes: %s %v, %s %v)",
		reference, name, e[0].Classes, reference, h[0].Classes)
	for _, c := range cs {
		if c.Name != name {
			continue
		}
		for i := range c.Results {
			if c.Results[i].Err == nil {
				c.Results[i].Err = err
			}
		}
	}
}

// report prints the results table, the checks and ember's ratios, and
// reports whether any contender failed.
func (b *bench) report(w io.Writer, cfg harness.Config, cs []*harness.Contender) (failed bool) {
	fmt.Fprintln(w)
	fmt.Fprintln(w, "job:      read CSV → score every row with a random forest (4 features → class) → write CSV with the input columns + prediction")
	fmt.Fprintf(w, "input:    %d rows, %s (seed %d): iris flowers + N(0, %.1f cm) noise, one decimal; labels %v\n",
		cfg.Rows, harness.MiB(b.exp.InputSize), cfg.Seed, noiseSD, b.exp.Labels)
	harness.WriteSetup(w, cfg, cs)
	fmt.Fprintln(w)

	sums, failed := harness.WriteTable(w, cs)
	b.writeChecks(w, cs)
	harness.WriteRatios(w, "ratios (medians; below 1.00x: the first is faster / uses less memory):", []harness.Pair{
		{Num: "ember", Den: "handloop", Target: 1.0},
		{Num: "ember", Den: "pandas", Target: 0.35},
		{Num: "handloop", Den: "pandas"},
		// The plugin's throughput must be at least 0.9× in-process.
		{Num: "plugin", Den: "inprocess", Target: 1 / 0.9},
	}, sums)
	harness.WriteProblems(w, cs)
	harness.WriteRSSNote(w)
	return failed
}

// writeChecks prints, per contender with a verified run, its accuracy and
// predicted classes, whether ember's predictions equal the loop's, and the
// pandas runs' training time.
func (b *bench) writeChecks(w io.Writer, cs []*harness.Contender) {
	var lines []string
	for _, c := range cs {
		if ts := b.tallies[c.Name]; len(ts) > 0 {
			lines = append(lines, fmt.Sprintf("  %-*s accuracy %.4f, predicted classes %v", width(cs), c.Name, ts[0].accuracy(), ts[0].Classes))
		}
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "checks (every verified run: all rows, predictions in {0,1,2}, accuracy ≥ 0.90):")
	fmt.Fprintln(w, strings.Join(lines, "\n"))
	for _, pair := range [][2]string{{"ember", "handloop"}, {"plugin", "inprocess"}} {
		if e, h := b.tallies[pair[0]], b.tallies[pair[1]]; len(e) > 0 && len(h) > 0 {
			verdict := "identical row for row"
			if e[0].RowSum != h[0].RowSum {
				verdict = "DIFFER"
			}
			fmt.Fprintf(w, "  %s and %s predictions (same ONNX model): %s\n", pair[0], pair[1], verdict)
		}
	}
	if len(b.trainTimes) > 0 {
		fmt.Fprintf(w, "  pandas: training (included in its wall time) took %s median\n", harness.Seconds(harness.Median(b.trainTimes)))
	}
}

// width returns the longest contender name's length.
func width(cs []*harness.Contender) int {
	n := 0
	for _, c := range cs {
		n = max(n, len(c.Name))
	}
	return n
}
