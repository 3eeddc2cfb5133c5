package imageio_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/io/imageio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// mobileNet loads the ImageNet classifier that ships with the catsdogs
// example; it skips the test without ONNX Runtime (fails it when
// CI=true).
func mobileNet(t *testing.T) *onnx.Model {
	t.Helper()
	onnxtest.RequireRuntime(t)
	m, err := onnx.Load("../../examples/catsdogs/model/mobilenetv2_int8.onnx")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

const labelsFile = "../../examples/catsdogs/model/imagenet_labels.txt"

// checkedSession is a session whose allocator must end the test empty.
func checkedSession(t *testing.T, opts ...frame.Option) *frame.Session {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem)}, opts...)...)
	t.Cleanup(func() {
		sess.Close()
		mem.AssertSize(t, 0)
	})
	return sess
}

// pathsCSV writes a CSV with header img_path listing paths, n rows
// cycling through them.
func pathsCSV(t testing.TB, paths []string, n int) string {
	file := filepath.Join(t.TempDir(), "images.csv")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "img_path")
	for i := range n {
		fmt.Fprintln(w, paths[i%len(paths)])
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	return file
}

func strings1(t *testing.T, tbl arrow.Table, col string) []string {
	t.Helper()
	idx := tbl.Schema().FieldIndices(col)
	if len(idx) != 1 {
		t.Fatalf("no column %q in %s", col, tbl.Schema())
	}
	var out []string
	for _, chunk := range tbl.Column(idx[0]).Data().Chunks() {
		s := chunk.(*array.String)
		for i := range s.Len() {
			if s.IsNull(i) {
				out = append(out, "NULL")
			} else {
				out = append(out, s.Value(i))
			}
		}
	}
	return out
}

func TestTensorClassifiesPhotos(t *testing.T) {
	model := mobileNet(t)
	dir := shared.Path(t, "data/images")
	// A 1546×1213 JPEG photo, an RGBA PNG and an RGB PNG.
	photos := []string{"dog_samoyed_pytorchhub.jpg", "kitten_224.png", "tench_fish.png"}
	var paths []string
	for _, p := range photos {
		paths = append(paths, filepath.Join(dir, p))
	}
	sess := checkedSession(t)
	df := sess.Read().Option("header", "true").CSV(pathsCSV(t, paths, len(paths))).
		WithColumn("class", udf.Predict(model, imageio.Tensor("img_path", imageio.ImageNet(224)...)).
			Argmax().LabelsFile(labelsFile)).
		OrderBy("img_path")
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	got := strings1(t, tbl, "class")
	want := []string{"Samoyed", "tabby", "tench"}
	if !slices.Equal(got, want) {
		t.Fatalf("classes %v, want %v", got, want)
	}
}

func TestTensorFromBytesMatchesFromPaths(t *testing.T) {
	model := mobileNet(t)
	dir := shared.Path(t, "data/images")
	sess := checkedSession(t)
	imgs := sess.Read().Images(dir)
	fromBytes := imgs.Select(frame.Col("path"),
		frame.Column{Expr: udf.Predict(model, imageio.Tensor("bytes", imageio.ImageNet(224)...)).Argmax().LabelsFile(labelsFile)}.As("class")).
		OrderBy("path")
	tbl, err := fromBytes.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	got := strings1(t, tbl, "class")
	// dog, eight, kitten, seven, tench: the digits are some class or other.
	if len(got) != 5 || got[0] != "Samoyed" || got[2] != "tabby" || got[4] != "tench" {
		t.Fatalf("classes from bytes %v", got)
	}
}

// brokenFolder holds one good photo and the kinds of bad file a job
// meets, returning the CSV of their paths.
func brokenFolder(t *testing.T) (csv string, bad map[string]string) {
	dir := shared.Path(t, "data/catsdogs")
	good := filepath.Join(dir, "cat", "cat.0.jpg")
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	truncated := write("truncated.jpg", data[:len(data)/2])
	corrupt := append([]byte(nil), data...)
	for i := 600; i < len(corrupt)-2; i += 7 {
		corrupt[i] = 0xff // markers where entropy-coded data belongs
	}
	corruptPath := write("corrupt.jpg", corrupt)
	notImage := write("notes.jpg", []byte("these are my notes, not a photo\n"))
	empty := write("empty.png", nil)
	missing := filepath.Join(tmp, "missing.jpg")
	bad = map[string]string{
		truncated:   "jpeg",
		corruptPath: "jpeg",
		notImage:    "not a JPEG, PNG, GIF or WebP image",
		empty:       "not a JPEG, PNG, GIF or WebP image",
		missing:     "no such file or directory",
	}
	return pathsCSV(t, []string{good, truncated, good, corruptPath, notImage, good, empty, missing}, 8), bad
}

func TestTensorBadFilesFailFastNamingTheFile(t *testing.T) {
	model := mobileNet(t)
	csv, bad := brokenFolder(t)
	sess := checkedSession(t)
	df := sess.Read().Option("header", "true").CSV(csv).
		WithColumn("prediction", udf.Predict(model, imageio.Tensor("img_path", imageio.ImageNet(224)...)).Argmax())
	_, err := df.Collect(context.Background())
	if err == nil {
		t.Fatal("a job over bad files succeeded")
	}
	named := false
	for p := range bad {
		named = named || strings.Contains(err.Error(), p)
	}
	if !named || !strings.Contains(err.Error(), "image_tensor") {
		t.Fatalf("error %q names no bad file or function", err)
	}
}

func TestTensorBadFilesUnderNullPolicy(t *testing.T) {
	model := mobileNet(t)
	csv, bad := brokenFolder(t)
	sess := checkedSession(t, frame.WithParallelism(2))
	// The prediction's policy covers its pre-processing: one error column.
	df := sess.Read().Option("header", "true").CSV(csv).Repartition(3).
		WithColumn("prediction", udf.Predict(model, imageio.Tensor("img_path", imageio.ImageNet(224)...)).
			Argmax().OnErrorNull("error"))
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 8 || tbl.NumCols() != 3 {
		t.Fatalf("%d rows, columns %s; want 8 rows of img_path, prediction, error", tbl.NumRows(), tbl.Schema())
	}
	paths, errs := strings1(t, tbl, "img_path"), strings1(t, tbl, "error")
	pred := tbl.Column(tbl.Schema().FieldIndices("prediction")[0]).Data()
	row := 0
	for _, chunk := range pred.Chunks() {
		for i := range chunk.Len() {
			p, e := paths[row], errs[row]
			want, isBad := bad[p]
			switch {
			case isBad && (chunk.IsValid(i) || !strings.Contains(e, p) || !strings.Contains(e, want)):
				t.Errorf("%s: prediction valid=%v, error %q; want NULL and an error naming the file and %q", p, chunk.IsValid(i), e, want)
			case !isBad && (chunk.IsNull(i) || e != "NULL"):
				t.Errorf("%s: good photo got prediction valid=%v, error %q", p, chunk.IsValid(i), e)
			}
			row++
		}
	}
	for _, u := range sess.LastMetrics().UDFs {
		if strings.HasPrefix(u.Function, "image_tensor") && u.FailedRows != 5 {
			t.Errorf("%s: %d failed rows, want 5", u.Function, u.FailedRows)
		}
	}
}

func TestTensorBadFilesDeadLettered(t *testing.T) {
	model := mobileNet(t)
	csv, bad := brokenFolder(t)
	sess := checkedSession(t)
	dead := filepath.Join(t.TempDir(), "dead")
	out := filepath.Join(t.TempDir(), "out")
	df := sess.Read().Option("header", "true").CSV(csv).
		WithColumn("prediction", udf.Predict(model, imageio.Tensor("img_path", imageio.ImageNet(224)...)).
			Argmax().DeadLetter(dead))
	if err := df.Write().Option("header", "true").CSV(context.Background(), out); err != nil {
		t.Fatal(err)
	}
	n, err := sess.Read().Option("header", "true").CSV(out).Count(context.Background())
	if err != nil || n != 3 {
		t.Fatalf("%d rows written (%v), want the 3 good photos", n, err)
	}
	files, _ := filepath.Glob(filepath.Join(dead, "*"))
	lettered := map[string]string{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var rec map[string]any
			if err := json.Unmarshal([]byte(line), &rec); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			lettered[fmt.Sprint(rec["img_path"])] = fmt.Sprint(rec["_error"])
		}
	}
	if len(lettered) != len(bad) {
		t.Fatalf("dead letters %v, want the %d bad files", lettered, len(bad))
	}
	for p, want := range bad {
		if e := lettered[p]; !strings.Contains(e, p) || !strings.Contains(e, want) {
			t.Errorf("%s: dead letter error %q, want it to name the file and %q", p, e, want)
		}
	}
}

func TestShowDecodesOneBatch(t *testing.T) {
	model := mobileNet(t)
	dir := shared.Path(t, "data/catsdogs")
	photos, err := filepath.Glob(filepath.Join(dir, "*", "*.jpg"))
	if err != nil || len(photos) == 0 {
		t.Fatalf("no photos: %v", err)
	}
	csv := pathsCSV(t, photos, 100_000)
	sess := checkedSession(t)
	df := sess.Read().Option("header", "true").CSV(csv).Repartition(10).
		WithColumn("prediction", udf.Predict(model, imageio.Tensor("img_path", imageio.ImageNet(224)...)).
			Softmax().Then(udf.ClassGroups(
			udf.ClassGroup{Name: "Cat", Classes: udf.ClassRange(281, 285)},
			udf.ClassGroup{Name: "Dog", Classes: udf.ClassRange(151, 268)})))
	s, err := df.ShowString(context.Background(), 5, 0)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(s, "Cat")+strings.Count(s, "Dog") != 5 {
		t.Fatalf("Show printed\n%s", s)
	}
	m := sess.LastMetrics()
	if len(m.UDFs) != 2 {
		t.Fatalf("UDF metrics %v, want the decoder's and the model's", m.UDFs)
	}
	for _, u := range m.UDFs {
		if u.Batches != 1 || u.Rows > imageio.DefaultBatchRows {
			t.Errorf("%s ran %d batches of %d rows in all; Show(5) must decode and infer one batch at most", u.Function, u.Batches, u.Rows)
		}
	}
	if m.RowsRead > 100 {
		t.Errorf("Show(5) read %d rows of 100,000", m.RowsRead)
	}
}

func TestTensorPlanTravels(t *testing.T) {
	model := mobileNet(t)
	dir := shared.Path(t, "data/images")
	sess := checkedSession(t)
	df := sess.Read().Images(dir).
		Select(frame.Col("path"), frame.Column{Expr: udf.Predict(model,
			imageio.Tensor("path", imageio.ResizeShorter(256, imageio.Area), imageio.CenterCrop(224, 224),
				imageio.Scale(1.0/255), imageio.Normalize([]float32{0.485, 0.456, 0.406}, []float32{0.229, 0.224, 0.225})).
				OnErrorNull("")).Argmax()}.As("class")).
		OrderBy("path")
	data, err := plan.Marshal(df.Plan())
	if err != nil {
		t.Fatal(err)
	}
	node, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	collect := func(df *frame.DataFrame) []string {
		tbl, err := df.Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		defer tbl.Release()
		var out []string
		for _, c := range tbl.Column(1).Data().Chunks() {
			for i := range c.Len() {
				out = append(out, c.ValueStr(i))
			}
		}
		return out
	}
	here, there := collect(df), collect(sess.FromPlan(node))
	if !slices.Equal(here, there) || len(here) != 5 || here[0] != "258" {
		t.Fatalf("classes here %v, after a round trip %v (want the Samoyed, 258, first)", here, there)
	}
}

func TestTensorBindErrors(t *testing.T) {
	sess := checkedSession(t)
	csv := pathsCSV(t, []string{"1", "2"}, 2)
	numbers := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(csv)
	if err := numbers.WithColumn("t", imageio.Tensor("img_path", imageio.ImageNet(224)...)).Err(); err == nil ||
		!strings.Contains(err.Error(), `column "img_path" is int64; want paths (string) or image bytes (binary)`) {
		t.Errorf("tensor of numbers: error %v", err)
	}
	df := sess.Read().Option("header", "true").CSV(csv)
	cases := map[string]*imageio.TensorExpr{
		"depends on the image":          imageio.Tensor("img_path", imageio.ResizeShorter(256, imageio.Bilinear)),
		"unknown filter \"lanczos\"":    imageio.Tensor("img_path", imageio.Resize(4, 4, "lanczos")),
		"column not found: \"nope\"":    imageio.Tensor("nope", imageio.ImageNet(224)...),
		"the image has 1 channels here": imageio.Tensor("img_path", imageio.Grayscale(), imageio.CenterCrop(4, 4), imageio.Normalize([]float32{1, 2, 3}, []float32{1, 1, 1})),
	}
	for want, expr := range cases {
		err := df.WithColumn("t", expr).Err()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v, want one containing %q", err, want)
		}
	}
}

func TestTensorDecodesOnAllCores(t *testing.T) {
	dir := shared.Path(t, "data/catsdogs")
	photos, _ := filepath.Glob(filepath.Join(dir, "*", "*.jpg"))
	sess := checkedSession(t, frame.WithParallelism(1))
	df := sess.Read().Option("header", "true").CSV(pathsCSV(t, photos, 64)).
		WithColumn("t", imageio.Tensor("img_path", imageio.Resize(32, 32, imageio.Area)))
	explain := df.Explain()
	if want := fmt.Sprintf("%d workers", runtime.GOMAXPROCS(0)); !strings.Contains(explain, want) {
		t.Errorf("plan does not decode with %s:\n%s", want, explain)
	}
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 64 {
		t.Fatalf("%d rows", tbl.NumRows())
	}
	typ := tbl.Schema().Field(1).Type
	if !arrow.TypeEqual(typ, arrow.FixedSizeListOf(3*32*32, arrow.PrimitiveTypes.Float32)) {
		t.Fatalf("tensor type %s", typ)
	}
}

func TestTensorDecodesEveryFormat(t *testing.T) {
	dir := t.TempDir()
	files := map[string][]byte{
		"a.png":  encodePNG(t, 6, 4, 1),
		"b.jpg":  encodeJPEG(t, 6, 4),
		"c.gif":  encodeGIF(t, 6, 4),
		"d.webp": tinyWebP,
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sess := checkedSession(t)
	df := sess.Read().Images(dir).
		WithColumn("t", imageio.Tensor("bytes", imageio.Resize(3, 3, imageio.Bilinear), imageio.Scale(1.0/255)))
	tbl, err := df.Select("format", "t").Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 4 {
		t.Fatalf("%d rows", tbl.NumRows())
	}
	for _, chunk := range tbl.Column(1).Data().Chunks() {
		list := chunk.(*array.FixedSizeList)
		if list.NullN() != 0 {
			t.Fatalf("%d images failed to decode", list.NullN())
		}
		for _, v := range list.ListValues().(*array.Float32).Float32Values() {
			if v < 0 || v > 1 {
				t.Fatalf("value %g outside [0, 1]", v)
			}
		}
	}
}
