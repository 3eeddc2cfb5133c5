package onnx_test

import (
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// The real models and data under ../shared (see its READMEs).
const (
	newsgroupsDir   = "models/newsgroups_autos_vs_motorcycles"
	newsgroupsPosts = "data/newsgroups_posts.csv"
	mnistModel      = "models/mnist/model.onnx"
	digitsCSV       = "data/digits.csv.gz"
	newsgroupsRows  = 1192
	digitsRows      = 1797
)

var digitNames = []string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"}

// loadModel loads an ONNX model and unloads it from the process when the
// test ends.
func loadModel(t *testing.T, path string, opts ...onnx.Option) *onnx.Model {
	t.Helper()
	m, err := onnx.Load(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := udf.Unload(m); err != nil {
			t.Error(err)
		}
	})
	return m
}

// countValues counts each distinct value.
func countValues(vals []string) map[string]int {
	n := map[string]int{}
	for _, v := range vals {
		n[v]++
	}
	return n
}

// Subjects that name one of the two classes.
var (
	motorcycleSubject = regexp.MustCompile(`(?i)\b(bikes?|motorcycles?)\b`)
	bmwSubject        = regexp.MustCompile(`(?i)\bbmw`)
	carSubject        = regexp.MustCompile(`(?i)\b(cars?|autos?)\b`)
)

// textStats summarizes a text model's labels for the posts.
type textStats struct {
	autos, motorcycles float64 // shares of all posts
	// motorcycleRight is the share of posts whose subject names bikes or
	// motorcycles labelled motorcycles; bmwRight the same for BMW (which
	// makes cars too); carRight the share of posts naming cars or autos
	// labelled autos.
	motorcycleRight, bmwRight, carRight float64
	motorcycleN, bmwN, carN             int
}

func newTextStats(subjects, labels []string) textStats {
	var s textStats
	var motoRight, bmwRight, carRight int
	for i, subject := range subjects {
		moto, bmw, car := motorcycleSubject.MatchString(subject), bmwSubject.MatchString(subject), carSubject.MatchString(subject)
		switch labels[i] {
		case "autos":
			s.autos++
		case "motorcycles":
			s.motorcycles++
		}
		if moto && !car {
			s.motorcycleN++
			if labels[i] == "motorcycles" {
				motoRight++
			}
		}
		if bmw && !moto && !car {
			s.bmwN++
			if labels[i] == "motorcycles" {
				bmwRight++
			}
		}
		if car && !moto && !bmw {
			s.carN++
			if labels[i] == "autos" {
				carRight++
			}
		}
	}
	n := float64(len(labels))
	s.autos, s.motorcycles = s.autos/n, s.motorcycles/n
	s.motorcycleRight = float64(motoRight) / float64(s.motorcycleN)
	s.bmwRight = float64(bmwRight) / float64(s.bmwN)
	s.carRight = float64(carRight) / float64(s.carN)
	return s
}

func (s textStats) String() string {
	return fmt.Sprintf("autos %.1f%%, motorcycles %.1f%%; subjects naming bikes: %.1f%% of %d motorcycles, BMW: %.1f%% of %d motorcycles, cars: %.1f%% of %d autos",
		100*s.autos, 100*s.motorcycles, 100*s.motorcycleRight, s.motorcycleN, 100*s.bmwRight, s.bmwN, 100*s.carRight, s.carN)
}

// problems lists what makes the labels implausible. The bounds sit well
// below what the model gives (autos 46%, motorcycles 54%; bike subjects
// 96% motorcycles, car subjects 71% autos) and above what a broken
// pipeline gives: empty strings label every post autos, swapped columns
// label only 20% of posts and half the bike subjects motorcycles.
func (s textStats) problems() []string {
	var out []string
	if s.autos < 0.35 || s.motorcycles < 0.35 {
		out = append(out, "a class has under 35% of the posts")
	}
	if s.motorcycleRight < 0.85 {
		out = append(out, "under 85% of subjects naming bikes or motorcycles are labelled motorcycles")
	}
	if s.carRight < 0.65 {
		out = append(out, "under 65% of subjects naming cars are labelled autos")
	}
	return out
}

// TestNewsgroupsTextModel runs the TF-IDF + logistic-regression text model
// (its string input [N,2] fed from two columns) on 1192 real Usenet posts
// from rec.autos and rec.motorcycles: both classes come out in realistic
// shares, and posts whose subject names motorcycles or cars mostly get
// that class. Feeding the columns swapped, or empty strings, must fail
// those checks, which shows that they test the pipeline.
func TestNewsgroupsTextModel(t *testing.T) {
	onnxtest.RequireRuntime(t)
	modelPath := shared.Path(t, newsgroupsDir+"/model.onnx")
	postsPath := shared.Path(t, newsgroupsPosts)
	sess := checkedSession(t, frame.WithParallelism(2))
	model := loadModel(t, modelPath, onnx.WithOutputs("output_label"))
	// 36 posts have an empty body, which CSV reads as NULL; a model needs
	// a value, so they get the empty string.
	posts := sess.Read().Option("header", "true").CSV(postsPath).
		WithColumn("body", frame.When(frame.Col("body").IsNull(), "").Otherwise(frame.Col("body")))

	for _, tc := range []struct {
		name   string
		inputs []any
		broken bool
	}{
		{"subject, body", []any{"subject", "body"}, false},
		{"body, subject (swapped)", []any{"body", "subject"}, true},
		{"empty strings", []any{frame.Lit(""), frame.Lit("")}, true},
	} {
		df := posts.WithColumn("label", udf.Predict(model, tc.inputs...).Labels("autos", "motorcycles"))
		tbl := collect(t, df)
		subjects, labels := column(t, tbl, "subject"), column(t, tbl, "label")
		if len(labels) != newsgroupsRows {
			t.Fatalf("%s: %d rows, want %d", tc.name, len(labels), newsgroupsRows)
		}
		stats := newTextStats(subjects, labels)
		t.Logf("%s: %s", tc.name, stats)
		m := sess.LastMetrics().UDFs
		if len(m) != 1 || m[0].Rows != newsgroupsRows {
			t.Fatalf("%s: metrics %v", tc.name, m)
		}
		switch problems := stats.problems(); {
		case !tc.broken && len(problems) > 0:
			t.Errorf("%s: %s", tc.name, strings.Join(problems, "; "))
		case tc.broken && len(problems) == 0:
			t.Errorf("%s: the checks do not tell these labels from the model's real ones", tc.name)
		}
	}
}

// TestNewsgroupsAsPublishedLocale loads the text model as published, whose
// StringNormalizer asks for the en_US.UTF-8 locale: where the system lacks
// it, the error says so and how to fix it.
func TestNewsgroupsAsPublishedLocale(t *testing.T) {
	onnxtest.RequireRuntime(t)
	modelPath := shared.Path(t, newsgroupsDir+"/as_published.onnx")
	postsPath := shared.Path(t, newsgroupsPosts)
	sess := checkedSession(t)
	// ONNX Runtime may refuse the model when it is loaded or only when
	// the job creates its session.
	model, err := onnx.Load(modelPath, onnx.WithOutputs("output_label"))
	if err == nil {
		t.Cleanup(func() { udf.Unload(model) })
		df := sess.Read().Option("header", "true").CSV(postsPath).Limit(5).
			WithColumn("label", udf.Predict(model, "subject", "body"))
		var tbl arrow.Table
		if tbl, err = df.Collect(context.Background()); err == nil {
			tbl.Release()
			t.Skip("as_published.onnx runs here: this system has the en_US.UTF-8 locale, so its error cannot be checked")
		}
	}
	t.Log(err)
	for _, want := range []string{"en_US.UTF-8", "locale-gen", "C.UTF-8"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the error does not mention %q: %v", want, err)
		}
	}
}

// digitPixels turns the 64 columns of an 8×8 optdigits image (values
// 0..16) into MNIST's 28×28 input: upscaled bilinearly to 20×20, scaled to
// 0..255 and centred with a 4-pixel border, as a fixed-size list of 784
// float32.
var digitPixels = udf.NewScalar("digit_pixels", arrow.FixedSizeListOf(28*28, arrow.PrimitiveTypes.Float32),
	func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		if len(args) != 64 {
			return nil, fmt.Errorf("digit_pixels takes 64 columns, got %d", len(args))
		}
		b := array.NewFixedSizeListBuilder(frame.AllocatorFrom(ctx), 28*28, arrow.PrimitiveTypes.Float32)
		defer b.Release()
		values := b.ValueBuilder().(*array.Float32Builder)
		values.Reserve(rows * 28 * 28)
		var src [64]float64
		var dst [28 * 28]float32
	row:
		for r := range rows {
			for i, a := range args {
				if a.IsNull(r) {
					b.AppendNull()
					continue row
				}
				v, err := intValue(a, r)
				if err != nil {
					return nil, err
				}
				src[i] = float64(v)
			}
			upscale(&src, &dst)
			b.Append(true)
			values.AppendValues(dst[:], nil)
		}
		return b.NewArray(), nil
	})

func intValue(a arrow.Array, i int) (int64, error) {
	switch a := a.(type) {
	case *array.Int32:
		return int64(a.Value(i)), nil
	case *array.Int64:
		return a.Value(i), nil
	}
	return 0, fmt.Errorf("digit_pixels wants integer pixels, got %s", a.DataType())
}

// upscale resamples an 8×8 image (0..16) bilinearly to 20×20 (0..255)
// inside a 28×28 frame of zeros.
func upscale(src *[64]float64, dst *[28 * 28]float32) {
	*dst = [28 * 28]float32{}
	const n, m, border = 8, 20, 4
	at := func(x, y int) float64 { return src[min(max(y, 0), n-1)*n+min(max(x, 0), n-1)] }
	for y := range m {
		sy := (float64(y)+0.5)*n/m - 0.5
		y0 := int(math.Floor(sy))
		fy := sy - float64(y0)
		for x := range m {
			sx := (float64(x)+0.5)*n/m - 0.5
			x0 := int(math.Floor(sx))
			fx := sx - float64(x0)
			v := (1-fy)*((1-fx)*at(x0, y0)+fx*at(x0+1, y0)) + fy*((1-fx)*at(x0, y0+1)+fx*at(x0+1, y0+1))
			dst[(y+border)*28+x+border] = float32(v * 255 / 16)
		}
	}
}

// readDigits decompresses the optdigits CSV into a temporary file and
// reads it with the pixels as one column of MNIST input.
func readDigits(t *testing.T, sess *frame.Session) *frame.DataFrame {
	t.Helper()
	gz, err := os.Open(shared.Path(t, digitsCSV))
	if err != nil {
		t.Fatal(err)
	}
	defer gz.Close()
	zr, err := gzip.NewReader(gz)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "digits.csv")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, zr); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	pixels := make([]any, 64)
	for i := range pixels {
		pixels[i] = "_c" + strconv.Itoa(i)
	}
	df := sess.Read().Option("header", "false").Option("inferSchema", "true").CSV(path).
		WithColumnRenamed("_c64", "digit").
		WithColumn("pixels", digitPixels.Call(pixels...)).
		Select("pixels", "digit")
	if err := df.Err(); err != nil {
		t.Fatal(err)
	}
	return df
}

// TestMNISTDigits scores the 1797 optdigits images with the MNIST CNN,
// whose batch size is fixed at 1: ember runs it row by row inside batches
// of at most 256 rows. The README's preprocessing gets 87-89% right.
func TestMNISTDigits(t *testing.T) {
	onnxtest.RequireRuntime(t)
	modelPath := shared.Path(t, mnistModel)
	sess := checkedSession(t, frame.WithParallelism(2))
	model := loadModel(t, modelPath)
	// Two partitions share the loaded model, each looping over its rows.
	df := readDigits(t, sess).Repartition(2).WithColumn("predicted", udf.Predict(model, "pixels").Argmax())
	tbl := collect(t, df)
	want, got := column(t, tbl, "digit"), column(t, tbl, "predicted")
	if len(got) != digitsRows {
		t.Fatalf("%d rows, want %d", len(got), digitsRows)
	}
	right := 0
	for i := range got {
		if got[i] == want[i] {
			right++
		}
	}
	acc := float64(right) / digitsRows
	m := sess.LastMetrics().UDFs
	if len(m) != 1 {
		t.Fatalf("metrics %v", m)
	}
	t.Logf("%d/%d right (%.1f%%); %s", right, digitsRows, 100*acc, m[0])
	if acc < 0.85 {
		t.Errorf("accuracy %.3f, want at least 0.85", acc)
	}
	if minBatches := int64((digitsRows + 255) / 256); m[0].Rows != digitsRows || m[0].Batches < minBatches || m[0].FailedRows != 0 {
		t.Errorf("metrics %s: want %d rows in at least %d batches, none failed", m[0], digitsRows, minBatches)
	}
}

// TestPredictSoftmaxTopK post-processes the MNIST logits of a few digits:
// Softmax gives probabilities summing to 1, and TopK's best label is
// Argmax's.
func TestPredictSoftmaxTopK(t *testing.T) {
	onnxtest.RequireRuntime(t)
	modelPath := shared.Path(t, mnistModel)
	sess := checkedSession(t)
	model := loadModel(t, modelPath)
	logits := udf.Predict(model, "pixels").BatchRows(4)
	df := readDigits(t, sess).Limit(10).
		WithColumn("probs", logits.Softmax()).
		WithColumn("best", logits.Argmax().Labels(digitNames...)).
		WithColumn("top3", logits.TopK(3).Labels(digitNames...)).
		Select("digit", "probs", "best", "top3")
	tbl := collect(t, df)
	if tbl.NumRows() != 10 {
		t.Fatalf("%d rows", tbl.NumRows())
	}
	wantTypes := map[string]arrow.DataType{
		"probs": arrow.FixedSizeListOf(10, arrow.PrimitiveTypes.Float32),
		"best":  arrow.BinaryTypes.String,
		"top3": arrow.ListOf(arrow.StructOf(
			arrow.Field{Name: "label", Type: arrow.BinaryTypes.String},
			arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float32},
		)),
	}
	for _, f := range tbl.Schema().Fields() {
		if want, ok := wantTypes[f.Name]; ok && !arrow.TypeEqual(f.Type, want) {
			t.Fatalf("column %s is %s, want %s", f.Name, f.Type, want)
		}
	}
	var sums []float64
	for _, c := range tbl.Column(1).Data().Chunks() {
		probs := c.(*array.FixedSizeList)
		values := probs.ListValues().(*array.Float32)
		for r := range probs.Len() {
			start, end := probs.ValueOffsets(r)
			sum := 0.0
			for i := start; i < end; i++ {
				if p := values.Value(int(i)); p < 0 || p > 1 {
					t.Errorf("row %d: probability %g", len(sums), p)
				}
				sum += float64(values.Value(int(i)))
			}
			sums = append(sums, sum)
		}
	}
	for r, sum := range sums {
		if math.Abs(sum-1) > 1e-4 {
			t.Errorf("row %d: probabilities sum to %g", r, sum)
		}
	}
	best := column(t, tbl, "best")
	var top [][]string
	for _, c := range tbl.Column(3).Data().Chunks() {
		lists := c.(*array.List)
		entries := lists.ListValues().(*array.Struct)
		labels := entries.Field(0).(*array.String)
		scores := entries.Field(1).(*array.Float32)
		for r := range lists.Len() {
			start, end := lists.ValueOffsets(r)
			var row []string
			for i := start; i < end; i++ {
				if i > start && scores.Value(int(i)) > scores.Value(int(i-1)) {
					t.Errorf("row %d: top scores not in order", len(top))
				}
				row = append(row, labels.Value(int(i)))
			}
			top = append(top, row)
		}
	}
	digits := column(t, tbl, "digit")
	right := 0
	for r := range top {
		if len(top[r]) != 3 || top[r][0] != best[r] {
			t.Errorf("row %d: top 3 %v, argmax %s", r, top[r], best[r])
		}
		if d, _ := strconv.Atoi(digits[r]); best[r] == digitNames[d] {
			right++
		}
	}
	t.Logf("sums %v; best %v; top 3 %v; %d/10 right", sums, best, top, right)
	if right < 7 {
		t.Errorf("%d of 10 digits right", right)
	}
}
