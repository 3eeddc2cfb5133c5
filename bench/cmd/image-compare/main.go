// Command image-compare measures ember's image-scoring job against the
// hardware bound measured in the same run, the benchmark:
//
//	end-to-end images/s on the cat/dog photos repeated to ≥ 5,000 rows,
//	against the hardware bound measured in the same run. The bound: with
//	C cores, if decoding + preprocessing one image costs d core-seconds
//	and inferring it (at the best batch size) costs m core-seconds, no
//	pipeline beats C / (d + m). Target: ember ≥ 0.85 × the bound.
//
// Everything runs in this one process, stage by stage, each stage -runs
// times, interleaved round-robin (run i of every stage before run i+1 of
// any, the first stage rotating), after one untimed warm-up of each:
//
//   - d ember: ember's pre-processing alone — imageio.Tensor with
//     ImageNet(224) over the photos repeated -repeat times, in a session of
//     parallelism 1 with one decoding worker, the tensor column forced by a
//     filter on it and a count. d is the process's CPU time (getrusage:
//     user + system, every thread) per image: core-seconds, whatever the
//     threads.
//   - d stdlib: the baseline — read the file, image/jpeg decode,
//     golang.org/x/image/draw BiLinear scale of the whole image to a
//     224×224 RGBA, one goroutine, CPU time per image.
//   - m: inference alone — the model loaded with udf/onnx and its
//     Predict called directly on batches of real pre-processed photos, at
//     each batch size of -batches, with 1 and with C intra-op threads; at
//     least -repeat × photos images per measurement. m is the smallest
//     median CPU time per image over those configurations.
//   - ember jobs: seed 001 exactly as examples/catsdogs runs it — a CSV of
//     the photo paths repeated to -rows rows, Repartition(10), the
//     prediction column udf.Predict(model, imageio.Tensor(…ImageNet(224))).
//     Softmax().Then(ClassGroups(cat 281–285, dog 151–268)), written as CSV
//     with a header — and the same job without Repartition (the reader's
//     own partitioning: do the defaults pick well without tuning?). The
//     figure is rows ÷ wall time of the Write. The model is loaded (udf
//     keeps it per process) by the untimed warm-up job.
//
// The report gives every stage's median CPU and wall time per image and
// images/s (median, min, max), the bound C / (d + m) with C =
// runtime.NumCPU() — with ember's d and with the stdlib's — and each ember
// job's median images/s ÷ each bound, against the target 0.85.
//
// Every run is checked: d ember decoded every image and none failed;
// d stdlib decoded every image; every Predict call returned one row per
// image and, over the whole run, no Arrow memory leaked (a checked
// allocator); each ember job wrote exactly -rows rows, each photo as many
// times as the input holds it, every prediction Cat or Dog, and at least
// 85% of them match the photo's folder. A failed run is reported with its
// reason and left out of the statistics, and image-compare then exits with
// status 1; a ratio below the target is only reported.
//
// Run it from anywhere inside the ember module, with ONNX Runtime
// installed and the project's shared/ data beside the checkout:
//
//	bash scripts/install-onnxruntime.sh   # once: ONNX Runtime
//	go -C bench run ./cmd/image-compare -rows 5000 -runs 3
//	go -C bench run ./cmd/image-compare -rows 200 -runs 1 -repeat 1 -batches 8,32   # a quick look
//
// Flags: -images, -model, -rows, -runs, -repeat, -batches and -cpuprofile
// (a CPU profile of the measured runs, labelled by stage); -h lists them.
// Progress goes to stderr, the report to stdout. See bench/README.md.
package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/jpeg"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/bench/internal/harness"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/io/imageio"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"golang.org/x/image/draw"
)

// log prints progress lines.
const log = harness.Log("image-compare")

// Targets and checks.
const (
	// targetRatio is the target: ember ≥ 0.85 × the bound.
	targetRatio = 0.85
	// minAccuracy is the share of predictions that must match the photos'
	// folders for a job's run to count.
	minAccuracy = 0.85
	// imageSize is the side of the model's input images.
	imageSize = 224
)

// catOrDog turns ImageNet's 1000 scores into Cat or Dog, as
// examples/catsdogs does.
var catOrDog = udf.ClassGroups(
	udf.ClassGroup{Name: "Cat", Classes: udf.ClassRange(281, 285)},
	udf.ClassGroup{Name: "Dog", Classes: udf.ClassRange(151, 268)},
)

// config holds the command's flags.
type config struct {
	images  string // folder with cat/ and dog/ sub-folders of JPEGs
	model   string // the ONNX image classifier
	rows    int    // rows of the ember jobs
	runs    int    // measured runs per stage
	repeat  int    // passes over the photos per d and m measurement
	batches []int  // batch sizes at which m is measured
	// cpuProfile, if set, is where a CPU profile of the measured runs goes.
	cpuProfile string
}

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout))
}

// run runs the command with args, printing the report to stdout, and
// returns its exit status: 0, 1 when a run failed or the benchmark could
// not run, 2 for bad flags.
func run(ctx context.Context, args []string, stdout io.Writer) int {
	cfg, err := parseFlags(args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(os.Stderr, "image-compare:", err)
		return 2
	}
	failed, err := benchmark(ctx, cfg, stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image-compare:", err)
		return 1
	}
	if failed {
		return 1
	}
	return 0
}

// parseFlags parses the command line; paths left empty are found later,
// relative to the module.
func parseFlags(args []string) (config, error) {
	cfg := config{}
	fs := flag.NewFlagSet("image-compare", flag.ContinueOnError)
	fs.StringVar(&cfg.images, "images", "", "folder with cat/ and dog/ sub-folders of *.jpg photos (default: data/catsdogs of the shared directory: $EMBER_SHARED, or shared/ beside the checkout)")
	fs.StringVar(&cfg.model, "model", "", "ONNX image classifier with ImageNet's 1000 classes (default: examples/catsdogs/model/mobilenetv2_int8.onnx of this checkout)")
	fs.IntVar(&cfg.rows, "rows", 5000, "rows of the ember jobs: the photos repeated")
	fs.IntVar(&cfg.runs, "runs", 3, "measured runs per stage")
	fs.IntVar(&cfg.repeat, "repeat", 5, "passes over the photos per measurement of d and of m")
	batches := fs.String("batches", "8,16,32,64", "comma-separated batch sizes at which inference (m) is measured")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the measured runs to this file, each sample labelled with its stage (go tool pprof -tagfocus 'stage=d ember'); the profiler's own cost is in the figures")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: go -C bench run ./cmd/image-compare [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.rows < 1 || cfg.runs < 1 || cfg.repeat < 1 {
		return cfg, errors.New("-rows, -runs and -repeat must be at least 1")
	}
	for f := range strings.SplitSeq(*batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return cfg, fmt.Errorf("-batches: %q is not a positive batch size", f)
		}
		cfg.batches = append(cfg.batches, n)
	}
	slices.Sort(cfg.batches)
	cfg.batches = slices.Compact(cfg.batches)
	return cfg, nil
}

// photo is one input image and its label, the name of its folder's class.
type photo struct {
	path  string // absolute
	label string // "Cat" or "Dog"
}

// findPhotos lists dir/cat/*.jpg and dir/dog/*.jpg.
func findPhotos(dir string) ([]photo, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var photos []photo
	for _, class := range []struct{ folder, label string }{{"cat", "Cat"}, {"dog", "Dog"}} {
		paths, err := filepath.Glob(filepath.Join(dir, class.folder, "*.jpg"))
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("-images: no %s/*.jpg in %s", class.folder, dir)
		}
		for _, p := range paths {
			photos = append(photos, photo{path: p, label: class.label})
		}
	}
	return photos, nil
}

// writePaths writes a CSV with the header img_path and n rows: the
// photos' paths, cycled.
func writePaths(path string, photos []photo, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Write([]string{"img_path"})
	for i := range n {
		w.Write([]string{photos[i%len(photos)].path})
	}
	w.Flush()
	return errors.Join(w.Error(), f.Close())
}

// stage is one thing measured: its contender (name, description, results)
// and the work of one run.
type stage struct {
	*harness.Contender
	// images is how many images one run handles.
	images int
	// inference marks the stages whose cheapest median is m.
	inference bool
	// work does one run; the check it returns, if any, runs after the
	// clock stops and can fail the run.
	work func(ctx context.Context) (check func() error, err error)
	// warm does the untimed warm-up run, smaller where that is possible.
	warm func(ctx context.Context) error
}

// measure runs s once. It collects garbage first, so that a collection
// owed to an earlier stage is not charged to this one. The run's goroutines
// carry the profiler label stage=<name>, for -cpuprofile.
func (s *stage) measure(ctx context.Context) harness.Result {
	runtime.GC()
	var check func() error
	var err error
	cpu0, _ := processCPU()
	start := time.Now()
	pprof.Do(ctx, pprof.Labels("stage", s.Name), func(ctx context.Context) {
		check, err = s.work(ctx)
	})
	r := harness.Result{Wall: time.Since(start)}
	cpu1, _ := processCPU()
	r.CPU = cpu1 - cpu0
	if err == nil && check != nil {
		err = check()
	}
	r.Err = err
	return r
}

// perImage is one stage's figures per image, over its successful runs.
type perImage struct {
	okRuns, totalRuns int
	cpu, wall         time.Duration // medians per image
	rate, minR, maxR  float64       // images/s: median, slowest and fastest run
	cores             float64       // median CPU ÷ median wall: the cores kept busy
}

// ok reports whether any run succeeded, so that the figures mean something.
func (p perImage) ok() bool { return p.okRuns > 0 }

func (s *stage) perImage() perImage {
	sum := harness.Summarize(s.Results)
	p := perImage{okRuns: sum.OK, totalRuns: sum.Total}
	if sum.OK == 0 {
		return p
	}
	n := time.Duration(s.images)
	p.cpu, p.wall = sum.MedianCPU/n, sum.Median/n
	p.rate = float64(s.images) / sum.Median.Seconds()
	p.minR, p.maxR = float64(s.images)/sum.Max.Seconds(), float64(s.images)/sum.Min.Seconds()
	p.cores = sum.MedianCPU.Seconds() / sum.Median.Seconds()
	return p
}

// bench is one invocation's inputs and findings.
type bench struct {
	cfg    config
	photos []photo
	model  *onnx.Model
	work   string // temporary directory: CSVs and job outputs

	// jobChecks holds, per ember job stage, what each verified run found.
	jobChecks map[string][]jobCheck
}

// jobCheck is what the check of one ember job's run found.
type jobCheck struct {
	accuracy   float64
	classes    map[string]int64
	partitions int   // of the job's root
	loads      int64 // model loads the run made (0 once warm)
}

// benchmark runs every stage and prints the report; failed says whether a
// run failed, err is for what stopped the benchmark itself.
func benchmark(ctx context.Context, cfg config, w io.Writer) (failed bool, err error) {
	if _, ok := processCPU(); !ok {
		return false, errors.New("needs the process's CPU time (getrusage), which this system lacks")
	}
	root, err := harness.ModuleRoot()
	if err != nil {
		return false, err
	}
	if cfg.images == "" {
		cfg.images = filepath.Join(sharedDir(root), "data", "catsdogs")
	}
	if cfg.model == "" {
		cfg.model = filepath.Join(root, "examples", "catsdogs", "model", "mobilenetv2_int8.onnx")
	}
	b := &bench{cfg: cfg, jobChecks: map[string][]jobCheck{}}
	if b.photos, err = findPhotos(cfg.images); err != nil {
		return false, err
	}
	ortVersion, err := onnx.Version()
	if err != nil {
		return false, err
	}
	if b.model, err = onnx.Load(cfg.model); err != nil {
		return false, err
	}
	defer udf.Unload(b.model)
	if b.work, err = os.MkdirTemp("", "ember-image-compare-*"); err != nil {
		return false, err
	}
	defer os.RemoveAll(b.work)

	// Inference runs on a checked allocator: what the inputs and Predict's
	// outputs hold must all come back.
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	stages, cleanup, err := b.stages(ctx, mem)
	if err != nil {
		return false, err
	}
	warm := warmUp(ctx, stages)

	cs := make([]*harness.Contender, len(stages))
	byName := map[string]*stage{}
	for i, s := range stages {
		cs[i], byName[s.Name] = s.Contender, s
	}
	stopProfile, err := harness.StartCPUProfile(cfg.cpuProfile)
	if err != nil {
		cleanup()
		return false, err
	}
	harness.RoundRobin(cs, cfg.runs, 0, func(c *harness.Contender) harness.Result {
		return byName[c.Name].measure(ctx)
	}, log)
	stopProfile()
	cleanup()
	leak := int64(mem.CurrentAlloc())

	b.report(w, stages, ortVersion, warm, leak)
	for _, s := range stages {
		if sum := harness.Summarize(s.Results); !sum.Complete() {
			failed = true
		}
	}
	return failed || warm != nil || leak != 0, nil
}

// sharedDir is the project's shared directory, found as package
// internal/shared finds it for tests (which a command may not import):
// $EMBER_SHARED, or shared/ beside the checkout.
func sharedDir(root string) string {
	if d := os.Getenv("EMBER_SHARED"); d != "" {
		return d
	}
	return filepath.Join(filepath.Dir(root), "shared")
}

// Stage names, in report order. The inference stages are named by
// inferName.
const (
	decodeEmber  = "d ember"
	decodeStdlib = "d stdlib"
	jobRepart    = "ember repartition(10)"
	jobDefault   = "ember no repartition"
)

func inferName(batch, threads int) string {
	return fmt.Sprintf("m batch %d, %d thread(s)", batch, threads)
}

// stages builds every stage: the CSVs they read, and the pre-processed
// photos and loaded sessions that inference runs on (from mem), which
// cleanup frees.
func (b *bench) stages(ctx context.Context, mem memory.Allocator) (stages []*stage, cleanup func(), err error) {
	n := b.cfg.repeat * len(b.photos)
	few := len(b.photos) // images of a warm-up: the photos once
	decodeCSV := filepath.Join(b.work, "decode.csv")
	jobCSV := filepath.Join(b.work, "job.csv")
	warmCSV := filepath.Join(b.work, "warm.csv")
	err = errors.Join(writePaths(decodeCSV, b.photos, n), writePaths(jobCSV, b.photos, b.cfg.rows), writePaths(warmCSV, b.photos, few))
	if err != nil {
		return nil, nil, err
	}
	stages = append(stages,
		&stage{
			Contender: &harness.Contender{Name: decodeEmber, About: fmt.Sprintf(
				"imageio.Tensor(ImageNet(%d)).Workers(1), session parallelism 1, forced by a filter on the tensor and a count; %d images", imageSize, n)},
			images: n,
			work:   func(ctx context.Context) (func() error, error) { return b.decodeEmber(ctx, decodeCSV, n) },
			warm: func(ctx context.Context) error {
				return runChecked(b.decodeEmber(ctx, warmCSV, few))
			},
		},
		&stage{
			Contender: &harness.Contender{Name: decodeStdlib, About: fmt.Sprintf(
				"os.ReadFile + image/jpeg.Decode + x/image/draw.BiLinear.Scale to a %d×%d RGBA, one goroutine; %d images", imageSize, imageSize, n)},
			images: n,
			work:   func(context.Context) (func() error, error) { return nil, stdlibDecode(b.photos, n) },
			warm:   func(context.Context) error { return stdlibDecode(b.photos, few) },
		})

	// Inference: real pre-processed photos, as many as the largest batch.
	tensors, err := b.tensors(ctx, mem, slices.Max(b.cfg.batches))
	if err != nil {
		return nil, nil, fmt.Errorf("pre-processing photos for inference: %w", err)
	}
	var sessions []udf.Loaded
	cleanup = func() {
		for _, s := range sessions {
			s.Close()
		}
		sessions = nil
		tensors.Release()
	}
	predictCtx := compute.WithAllocator(ctx, mem)
	for _, threads := range slices.Compact([]int{1, runtime.NumCPU()}) {
		loaded, err := b.model.Load(ctx, udf.LoadOptions{Threads: threads})
		if err != nil {
			cleanup()
			return nil, nil, err
		}
		sessions = append(sessions, loaded)
		for _, batch := range b.cfg.batches {
			calls := (n + batch - 1) / batch
			stages = append(stages, &stage{
				Contender: &harness.Contender{Name: inferName(batch, threads), About: fmt.Sprintf(
					"udf/onnx Predict on %d-image batches, %d intra-op thread(s); %d calls, %d images", batch, threads, calls, calls*batch)},
				images:    calls * batch,
				inference: true,
				work: func(context.Context) (func() error, error) {
					return nil, infer(predictCtx, loaded, tensors, batch, calls)
				},
				warm: func(context.Context) error { return infer(predictCtx, loaded, tensors, batch, 1) },
			})
		}
	}

	for _, job := range []struct {
		name       string
		partitions int // 0: no Repartition
		about      string
	}{
		{jobRepart, 10, "seed 001 as examples/catsdogs: CSV → Repartition(10) → udf.Predict(Tensor(ImageNet(224))).Softmax().Then(cat/dog) → CSV"},
		{jobDefault, 0, "the same job without Repartition: the reader's partitions"},
	} {
		out := filepath.Join(b.work, "out", strings.ReplaceAll(job.name, " ", "-"))
		stages = append(stages, &stage{
			Contender: &harness.Contender{Name: job.name, About: fmt.Sprintf("%s; %d rows", job.about, b.cfg.rows)},
			images:    b.cfg.rows,
			work: func(ctx context.Context) (func() error, error) {
				return b.job(ctx, job.name, jobCSV, out, job.partitions, b.cfg.rows)
			},
			// The first warm-up loads the model into udf's per-process
			// cache, where the measured runs find it.
			warm: func(ctx context.Context) error {
				defer delete(b.jobChecks, job.name) // not a measured run's
				return runChecked(b.job(ctx, job.name, warmCSV, out, job.partitions, few))
			},
		})
	}
	return stages, cleanup, nil
}

// runChecked runs the check of a stage's work when the work succeeded.
func runChecked(check func() error, err error) error {
	if err != nil || check == nil {
		return err
	}
	return check()
}

// warmUp runs every stage's warm-up once, untimed, and returns what
// failed.
func warmUp(ctx context.Context, stages []*stage) error {
	var errs []error
	for _, s := range stages {
		if err := s.warm(ctx); err != nil {
			log.Printf("warm-up %s: FAILED: %v", s.Name, err)
			errs = append(errs, fmt.Errorf("%s: %w", s.Name, err))
			continue
		}
		log.Printf("warm-up %s: ok", s.Name)
	}
	return errors.Join(errs...)
}

// decodeEmber pre-processes the n images listed in the CSV at paths with
// ember, on one partition and one decoding worker. A filter on the tensor
// column forces it (a plain count would prune it); the check confirms from
// the job's metrics that every image was decoded exactly once.
func (b *bench) decodeEmber(ctx context.Context, paths string, n int) (func() error, error) {
	sess := frame.NewSession(frame.WithParallelism(1))
	defer sess.Close()
	tensor := imageio.Tensor("img_path", imageio.ImageNet(imageSize)...).Workers(1)
	nulls, err := sess.Read().Option("header", "true").CSV(paths).
		Select(frame.Column{Expr: tensor}.As("tensor")).
		Filter(frame.Col("tensor").IsNull()).
		Count(ctx)
	if err != nil {
		return nil, err
	}
	m := sess.LastMetrics()
	return func() error {
		if nulls != 0 {
			return fmt.Errorf("%d of %d images gave no tensor", nulls, n)
		}
		if len(m.UDFs) != 1 || m.UDFs[0].Rows != int64(n) || m.UDFs[0].FailedRows != 0 {
			return fmt.Errorf("want one image function over %d rows, none failed; the job ran %v", n, m.UDFs)
		}
		return nil
	}, nil
}

// stdlibDecode is the baseline: it reads, decodes and scales n
// images (the photos, cycled) to 224×224 with the standard library and
// golang.org/x/image, on this goroutine.
func stdlibDecode(photos []photo, n int) error {
	dst := image.NewRGBA(image.Rect(0, 0, imageSize, imageSize))
	for i := range n {
		p := photos[i%len(photos)].path
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		img, err := jpeg.Decode(bytes.NewReader(data))
		if err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		draw.BiLinear.Scale(dst, dst.Bounds(), img, img.Bounds(), draw.Src, nil)
	}
	return nil
}

// tensors pre-processes n photos with ember (as the jobs do) into one
// fixed-size-list array, allocated from mem, which the caller releases.
func (b *bench) tensors(ctx context.Context, mem memory.Allocator, n int) (arrow.Array, error) {
	paths := filepath.Join(b.work, "tensors.csv")
	if err := writePaths(paths, b.photos, n); err != nil {
		return nil, err
	}
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	tensor := imageio.Tensor("img_path", imageio.ImageNet(imageSize)...)
	tbl, err := sess.Read().Option("header", "true").CSV(paths).
		Select(frame.Column{Expr: tensor}.As("tensor")).
		Collect(ctx)
	if err != nil {
		return nil, err
	}
	defer tbl.Release()
	if tbl.NumRows() != int64(n) {
		return nil, fmt.Errorf("%d tensors for %d photos", tbl.NumRows(), n)
	}
	arr, err := array.Concatenate(tbl.Column(0).Data().Chunks(), mem)
	if err != nil {
		return nil, err
	}
	if arr.NullN() != 0 {
		arr.Release()
		return nil, fmt.Errorf("%d photos gave no tensor", arr.NullN())
	}
	return arr, nil
}

// infer calls loaded's Predict calls times on the first batch rows of
// tensors, checking that every call returns one row per image.
func infer(ctx context.Context, loaded udf.Loaded, tensors arrow.Array, batch, calls int) error {
	in := array.NewSlice(tensors, 0, int64(batch))
	defer in.Release()
	for range calls {
		outs, err := loaded.Predict(ctx, []arrow.Array{in}, batch)
		if err != nil {
			return err
		}
		rows := -1
		for _, o := range outs {
			rows = o.Len()
			o.Release()
		}
		if len(outs) != 1 || rows != batch {
			return fmt.Errorf("Predict on %d images returned %d outputs of %d rows, want one of %d", batch, len(outs), rows, batch)
		}
	}
	return nil
}

// job runs seed 001 as examples/catsdogs does, over the CSV of paths in
// (rows rows), writing to out; partitions > 0 repartitions first. Its
// check reads the output back (see checkOutput) and records what it found
// under name.
func (b *bench) job(ctx context.Context, name, in, out string, partitions, rows int) (func() error, error) {
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.Read().Option("header", "true").CSV(in)
	if partitions > 0 {
		df = df.Repartition(partitions)
	}
	df = df.WithColumn("prediction",
		udf.Predict(b.model, imageio.Tensor("img_path", imageio.ImageNet(imageSize)...)).
			Softmax().
			Then(catOrDog))
	if err := df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out); err != nil {
		return nil, err
	}
	m := sess.LastMetrics()
	return func() error {
		defer os.RemoveAll(out)
		c, err := checkOutput(out, b.photos, rows)
		if err != nil {
			return fmt.Errorf("wrong output: %w", err)
		}
		c.partitions = m.Partitions
		for _, u := range m.UDFs {
			c.loads += u.Loads
		}
		b.jobChecks[name] = append(b.jobChecks[name], c)
		return nil
	}, nil
}

// checkOutput reads the part files of a job's output directory: there must
// be rows rows, each photo's path exactly as often as the input (the
// photos, cycled) holds it, each with the prediction Cat or Dog, and at
// least minAccuracy of the predictions must match the photo's folder.
func checkOutput(dir string, photos []photo, rows int) (jobCheck, error) {
	want := map[string]int{}
	label := map[string]string{}
	for i := range rows {
		want[photos[i%len(photos)].path]++
	}
	for _, p := range photos {
		label[p.path] = p.label
	}
	parts, err := filepath.Glob(filepath.Join(dir, "part-*.csv"))
	if err != nil {
		return jobCheck{}, err
	}
	if len(parts) == 0 {
		return jobCheck{}, fmt.Errorf("no part-*.csv files in %s", dir)
	}
	c := jobCheck{classes: map[string]int64{}}
	got, right := 0, 0
	for _, part := range parts {
		f, err := os.Open(part)
		if err != nil {
			return c, err
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			return c, fmt.Errorf("%s: %w", filepath.Base(part), err)
		}
		if len(recs) == 0 || !slices.Equal(recs[0], []string{"img_path", "prediction"}) {
			return c, fmt.Errorf("%s: header is not img_path,prediction", filepath.Base(part))
		}
		for _, r := range recs[1:] {
			path, pred := r[0], r[1]
			if want[path] == 0 {
				return c, fmt.Errorf("%s: unexpected or repeated row %q", filepath.Base(part), path)
			}
			want[path]--
			if pred != "Cat" && pred != "Dog" {
				return c, fmt.Errorf("%s: prediction %q for %s, want Cat or Dog", filepath.Base(part), pred, path)
			}
			c.classes[pred]++
			got++
			if pred == label[path] {
				right++
			}
		}
	}
	if got != rows {
		return c, fmt.Errorf("%d rows in %d part file(s), want %d", got, len(parts), rows)
	}
	c.accuracy = float64(right) / float64(rows)
	if c.accuracy < minAccuracy {
		return c, fmt.Errorf("accuracy %.3f against the photos' folders, want ≥ %.2f", c.accuracy, minAccuracy)
	}
	return c, nil
}

// report prints the setup, the stages' table, the bound, the ember jobs'
// ratios to it, the checks and any failures.
func (b *bench) report(w io.Writer, stages []*stage, ortVersion string, warm error, leak int64) {
	cats := 0
	for _, p := range b.photos {
		if p.label == "Cat" {
			cats++
		}
	}
	c := runtime.NumCPU()
	fmt.Fprintln(w)
	fmt.Fprintln(w, "job:      end-to-end images/s of ember's image-scoring job against the bound C / (d + m) measured in the same run")
	fmt.Fprintf(w, "photos:   %d JPEGs (%d cat, %d dog) in %s; jobs over %d rows (the photos repeated)\n",
		len(b.photos), cats, len(b.photos)-cats, b.cfg.images, b.cfg.rows)
	var inputs []string
	for _, in := range b.model.Inputs() {
		inputs = append(inputs, in.String())
	}
	fmt.Fprintf(w, "model:    %s (%s), ONNX Runtime %s\n", filepath.Base(b.cfg.model), strings.Join(inputs, "; "), ortVersion)
	fmt.Fprintf(w, "machine:  %s/%s, C = %d CPUs (runtime.NumCPU), GOMAXPROCS %d, %s\n",
		runtime.GOOS, runtime.GOARCH, c, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Fprintf(w, "runs:     %d measured per stage, interleaved round-robin, after one untimed warm-up each (-repeat %d)\n", b.cfg.runs, b.cfg.repeat)
	fmt.Fprintln(w, "stages:")
	width := 0
	for _, s := range stages {
		width = max(width, len(s.Name))
	}
	for _, s := range stages {
		fmt.Fprintf(w, "  %-*s  %s\n", width, s.Name, s.About)
	}

	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "stage\tok runs\tmedian CPU/image\tmedian wall/image\tcores busy\timages/s (wall)\tmin\tmax\tstatus")
	stats := map[string]perImage{}
	for _, s := range stages {
		p := s.perImage()
		stats[s.Name] = p
		status := "ok"
		if p.okRuns < p.totalRuns {
			status = fmt.Sprintf("FAILED: %d of %d runs failed", p.totalRuns-p.okRuns, p.totalRuns)
		}
		if !p.ok() {
			fmt.Fprintf(tw, "%s\t0/%d\t-\t-\t-\t-\t-\t-\t%s\n", s.Name, p.totalRuns, status)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d/%d\t%s\t%s\t%.2f\t%.1f\t%.1f\t%.1f\t%s\n", s.Name, p.okRuns, p.totalRuns,
			ms(p.cpu), ms(p.wall), p.cores, p.rate, p.minR, p.maxR, status)
	}
	tw.Flush()

	// The bound, from medians of CPU time per image.
	dEmber, dStdlib := stats[decodeEmber], stats[decodeStdlib]
	mBest, mName := perImage{}, ""
	for _, s := range stages {
		if p := stats[s.Name]; s.inference && p.ok() && (!mBest.ok() || p.cpu < mBest.cpu) {
			mBest, mName = p, s.Name
		}
	}
	bound := func(d perImage) (float64, bool) {
		if !d.ok() || !mBest.ok() {
			return 0, false
		}
		return float64(c) / (d.cpu + mBest.cpu).Seconds(), true
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "bound (C = %d; d and m are median CPU time per image, every thread counted):\n", c)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if dEmber.ok() {
		fmt.Fprintf(tw, "  d ember\t%s\tember's decoding + ImageNet(224) pre-processing\n", ms(dEmber.cpu))
	}
	if dStdlib.ok() {
		fmt.Fprintf(tw, "  d stdlib\t%s\timage/jpeg + x/image/draw BiLinear to 224×224 (the issue's baseline)\n", ms(dStdlib.cpu))
	}
	if mBest.ok() {
		fmt.Fprintf(tw, "  m\t%s\tthe cheapest inference: %s\n", ms(mBest.cpu), mName)
	}
	bEmber, okEmber := bound(dEmber)
	bStdlib, okStdlib := bound(dStdlib)
	if okEmber {
		fmt.Fprintf(tw, "  bound\t%.1f images/s\tC / (d ember + m)\n", bEmber)
	}
	if okStdlib {
		fmt.Fprintf(tw, "  bound stdlib\t%.1f images/s\tC / (d stdlib + m)\n", bStdlib)
	}
	if !okEmber && !okStdlib {
		fmt.Fprintln(tw, "  n/a (d or m has no successful run)")
	}
	tw.Flush()

	fmt.Fprintln(w)
	fmt.Fprintf(w, "ember ÷ bound (median images/s; target ≥ %.2f × bound):\n", targetRatio)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, name := range []string{jobRepart, jobDefault} {
		p := stats[name]
		if !p.ok() {
			fmt.Fprintf(tw, "  %s\tn/a (no successful run)\n", name)
			continue
		}
		line := fmt.Sprintf("  %s\t%.1f images/s", name, p.rate)
		if okEmber {
			r := p.rate / bEmber
			verdict := "met"
			if r < targetRatio {
				verdict = "NOT met"
			}
			line += fmt.Sprintf("\t%.2fx bound: %s", r, verdict)
		}
		if okStdlib {
			line += fmt.Sprintf("\t%.2fx bound stdlib", p.rate/bStdlib)
		}
		fmt.Fprintln(tw, line)
	}
	tw.Flush()

	b.writeChecks(w, stages, leak)
	harness.WriteProblems(w, stageContenders(stages))
	if warm != nil {
		fmt.Fprintf(w, "\nwarm-up failed:\n  %s\n", strings.ReplaceAll(warm.Error(), "\n", "\n  "))
	}
}

// writeChecks prints what the checks of the verified runs found.
func (b *bench) writeChecks(w io.Writer, stages []*stage, leak int64) {
	fmt.Fprintln(w)
	fmt.Fprintf(w, "checks (every run: all images decoded, one output row per image; jobs: all rows, each photo as often as in the input, Cat or Dog, accuracy ≥ %.2f):\n", minAccuracy)
	for _, name := range []string{jobRepart, jobDefault} {
		cs := b.jobChecks[name]
		if len(cs) == 0 {
			continue
		}
		acc, loads := 1.0, int64(0)
		var parts []int
		for _, c := range cs {
			acc = min(acc, c.accuracy)
			loads += c.loads
			parts = append(parts, c.partitions)
		}
		fmt.Fprintf(w, "  %s: %d verified run(s), accuracy %.4f (lowest), predicted %v, partitions %v, model loads in timed runs %d\n",
			name, len(cs), acc, cs[0].classes, slices.Compact(parts), loads)
	}
	if leak != 0 {
		fmt.Fprintf(w, "  inference: FAILED: %d bytes of Arrow memory not released\n", leak)
	} else {
		fmt.Fprintln(w, "  inference: every byte of Arrow memory released (checked allocator)")
	}
}

func stageContenders(stages []*stage) []*harness.Contender {
	cs := make([]*harness.Contender, len(stages))
	for i, s := range stages {
		cs[i] = s.Contender
	}
	return cs
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}
