package cli_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"

	"github.com/ember-df/ember/storage/cloud/s3test"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// binary is the ember command, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "ember-cli-")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "ember")
	if out, err := exec.Command("go", "build", "-o", binary, "github.com/ember-df/ember/cmd/ember").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// peopleCSV is the fixture every format holds: ints, strings, a NULL
// double, dates, booleans, a string longer than Show's 20 characters and
// one with a comma.
const peopleCSV = `id,name,score,joined,active,note
1,Ada,91.5,2024-01-05,true,first of her name
2,Grace,,2023-11-30,false,a note that is much longer than twenty characters
3,Linus,78.25,2022-02-14,true,short
4,Barbara,88.0,2021-07-01,false,"quoted, with a comma"
5,Ken,60.75,2020-03-03,true,short
`

var peopleSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: false},
	{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "score", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "joined", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "active", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

const peopleJSON = `{"id":1,"name":"Ada","score":91.5,"joined":"2024-01-05","active":true,"note":"first of her name"}
{"id":2,"name":"Grace","score":null,"joined":"2023-11-30","active":false,"note":"a note that is much longer than twenty characters"}
{"id":3,"name":"Linus","score":78.25,"joined":"2022-02-14","active":true,"note":"short"}
{"id":4,"name":"Barbara","score":88.0,"joined":"2021-07-01","active":false,"note":"quoted, with a comma"}
{"id":5,"name":"Ken","score":60.75,"joined":"2020-03-03","active":true,"note":"short"}
`

// fixtures writes the test files into a new directory: the people table
// in every format ember reads, a glob's worth of gzipped logs, an image
// folder, the iris data and model, and files ember cannot read.
func fixtures(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	write := func(name string, data []byte) {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gz := func(s string) []byte {
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		z.Write([]byte(s))
		z.Close()
		return b.Bytes()
	}
	write("people.csv", []byte(peopleCSV))
	write("people.csv.gz", gz(peopleCSV))
	write("people.tsv", []byte(strings.NewReplacer(`"quoted, with a comma"`, "quoted, with a comma", ",", "\t").Replace(peopleCSV)))
	write("people.json", []byte(peopleJSON))
	write("people.jsonl", []byte(peopleJSON))
	write("people.txt", []byte(peopleCSV))
	write("logs/2026-12-01.csv.gz", gz("level,msg\nINFO,started\nWARN,slow disk\n"))
	write("logs/2026-12-02.csv.gz", gz("level,msg\nINFO,started\nERROR,failed\nINFO,retried\n"))
	write("logs/notes.md", []byte("not a log\n"))
	write("malformed.csv", []byte("a,b\n1,2\n3,4,5\n"))
	write("broken.parquet", []byte("PAR1 this is not parquet"))

	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec, _, err := array.RecordFromJSON(mem, peopleSchema, strings.NewReader("["+strings.ReplaceAll(strings.TrimSpace(peopleJSON), "\n", ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	var pq bytes.Buffer
	props := pqarrow.NewArrowWriterProperties(pqarrow.WithAllocator(mem))
	w, err := pqarrow.NewFileWriter(peopleSchema, &pq, nil, props)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	write("data.parquet", pq.Bytes())
	var ipcFile bytes.Buffer
	iw, err := ipc.NewFileWriter(&ipcFile, ipc.WithSchema(peopleSchema), ipc.WithAllocator(mem))
	if err != nil {
		t.Fatal(err)
	}
	if err := iw.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := iw.Close(); err != nil {
		t.Fatal(err)
	}
	write("people.arrow", ipcFile.Bytes())
	write("people.feather", ipcFile.Bytes())

	img := func(w, h int) *image.RGBA {
		m := image.NewRGBA(image.Rect(0, 0, w, h))
		for i := range m.Pix {
			m.Pix[i] = uint8(i * 7)
		}
		m.Set(0, 0, color.RGBA{255, 0, 0, 255})
		return m
	}
	var b bytes.Buffer
	png.Encode(&b, img(3, 2))
	write("photos/a.png", b.Bytes())
	b.Reset()
	jpeg.Encode(&b, img(4, 5), &jpeg.Options{Quality: 90})
	write("photos/trip/b.jpg", b.Bytes())

	for _, f := range []string{"iris.csv", "iris_random_forest.onnx"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "examples", "iris", f))
		if err != nil {
			t.Fatal(err)
		}
		write(strings.Replace(f, "_random_forest", "", 1), data)
	}
	return dir
}

// step is one ember command line of a golden file.
type step []string

// runGolden runs each step's command line in dir, in order, and compares
// their outputs and exit codes with testdata/golden/NAME.txt (rewritten
// with -update). Paths under dir and replace's keys are written as
// their values, and run ids as <id>.
func runGolden(t *testing.T, name, dir string, env []string, replace map[string]string, steps ...step) {
	t.Helper()
	var got strings.Builder
	for i, s := range steps {
		args := make([]string, len(s))
		for j, a := range s {
			for k, v := range replace {
				a = strings.ReplaceAll(a, k, v)
			}
			args[j] = a
		}
		cmd := exec.Command(binary, args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), env...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		code := 0
		var exit *exec.ExitError
		switch {
		case errors.As(err, &exit):
			code = exit.ExitCode()
		case err != nil:
			t.Fatal(err)
		}
		if code != 0 && (strings.Count(stderr.String(), "\n") != 1 || !strings.HasPrefix(stderr.String(), "ember: ")) {
			t.Errorf("ember %s: exit %d with stderr %q: want one line starting with \"ember: \"", strings.Join(s, " "), code, stderr.String())
		}
		if i > 0 {
			got.WriteString("\n")
		}
		fmt.Fprintf(&got, "$ ember %s\n%s", quoteArgs(s), stdout.String())
		if stderr.Len() > 0 {
			fmt.Fprintf(&got, "--- stderr\n%s", stderr.String())
		}
		fmt.Fprintf(&got, "--- exit %d\n", code)
	}
	out := normalize(got.String(), dir, replace)
	golden := filepath.Join("testdata", "golden", name+".txt")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to write it)", err, t.Name())
	}
	if out != string(want) {
		t.Errorf("%s differs (go test -run %s -update rewrites it; check the diff):\n--- got\n%s\n--- want\n%s", golden, t.Name(), out, want)
	}
}

// runID matches the ids ember puts in part file names.
var runID = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)

func normalize(s, dir string, replace map[string]string) string {
	for k, v := range replace {
		s = strings.ReplaceAll(s, v, k)
	}
	s = strings.ReplaceAll(s, dir, "$DATA")
	return runID.ReplaceAllString(s, "<id>")
}

func quoteArgs(args []string) string {
	out := make([]string, len(args))
	for i, a := range args {
		if a == "" || strings.ContainsAny(a, " \t'\"*?[$\\;|&()<>") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		out[i] = a
	}
	return strings.Join(out, " ")
}

// formats are the people table's files, one per format ember reads.
var formats = []string{"people.csv", "people.csv.gz", "people.tsv", "people.json", "people.jsonl", "data.parquet", "people.arrow", "people.feather"}

func TestGoldenShow(t *testing.T) {
	dir := fixtures(t)
	var steps []step
	for _, f := range formats {
		steps = append(steps, step{"show", f})
	}
	steps = append(steps,
		step{"show", "data.parquet", "-n", "5"},
		step{"show", "data.parquet", "-n", "2"},
		step{"show", "data.parquet", "-n", "5", "--truncate=false"},
		step{"show", "people.json", "--truncate=8", "-n", "0"},
		step{"show", "people.txt", "--format", "csv", "-o", "header=false", "-n", "2"},
		step{"show", "logs/*.csv.gz"},
		step{"show", "photos", "--truncate=12"},
	)
	runGolden(t, "show", dir, nil, nil, steps...)
}

func TestGoldenSchema(t *testing.T) {
	dir := fixtures(t)
	var steps []step
	for _, f := range formats {
		steps = append(steps, step{"schema", f})
	}
	steps = append(steps,
		step{"schema", "people.csv", "-o", "inferSchema=false"},
		step{"schema", "logs/*.csv.gz"},
		step{"schema", "photos"},
	)
	runGolden(t, "schema", dir, nil, nil, steps...)
}

func TestGoldenCount(t *testing.T) {
	dir := fixtures(t)
	var steps []step
	for _, f := range formats {
		steps = append(steps, step{"count", f})
	}
	steps = append(steps,
		step{"count", "logs/*.csv.gz"},
		step{"count", "logs/2026-12-01.csv.gz", "logs/2026-12-02.csv.gz"},
		step{"count", "photos"},
		step{"count", "people.txt", "--format", "csv"},
	)
	runGolden(t, "count", dir, nil, nil, steps...)
}

func TestGoldenHead(t *testing.T) {
	dir := fixtures(t)
	var steps []step
	for _, f := range formats {
		steps = append(steps, step{"head", f, "-n", "3"})
	}
	steps = append(steps,
		step{"head", "data.parquet", "--output-format", "json"},
		step{"head", "people.csv", "-n", "0"},
		step{"head", "photos", "--output-format", "json", "-n", "1"},
	)
	runGolden(t, "head", dir, nil, nil, steps...)
}

func TestGoldenSQL(t *testing.T) {
	dir := fixtures(t)
	runGolden(t, "sql", dir, nil, nil,
		step{"sql", "--table", "iris=iris.csv", "SELECT species, count(*) AS n FROM iris GROUP BY species ORDER BY species"},
		step{"sql", "--table", "iris=iris.csv", "SELECT species, count(*) AS n FROM iris GROUP BY species"},
		step{"sql", "--table", "p=data.parquet", "--table", "l=logs/*.csv.gz", "SELECT 'people' AS t, count(*) AS n FROM p UNION ALL SELECT 'logs', count(*) FROM l"},
		step{"sql", "-t", "p=people.jsonl", "SELECT name, score FROM p WHERE score > 80 ORDER BY score DESC", "-n", "1"},
		step{"sql", "SELECT count(*) AS n FROM parquet.`data.parquet`"},
		step{"sql", "-t", "p=people.arrow", "SELECT id, upper(name) AS name FROM p ORDER BY id", "--output", "upper.parquet"},
		step{"show", "upper.parquet"},
		step{"schema", "upper.parquet"},
		step{"sql", "-t", "p=upper.parquet", "SELECT * FROM p", "--output", "copy", "--output-format", "json"},
		step{"head", "copy", "-n", "2"},
		step{"sql", "-t", "p=upper.parquet", "SELECT * FROM p", "--output", "copy", "--output-format", "csv"},
		step{"sql", "-t", "p=upper.parquet", "SELECT * FROM p WHERE id > 3", "--output", "copy", "--output-format", "csv", "--overwrite"},
		step{"count", "copy"},
		step{"sql", "-t", "p=upper.parquet", "SELECT * FROM p", "--output", "no-extension"},
	)
}

func TestGoldenExplain(t *testing.T) {
	dir := fixtures(t)
	runGolden(t, "explain", dir, nil, nil,
		step{"explain", "data.parquet"},
		step{"explain", "logs/*.csv.gz"},
		step{"explain", "--table", "iris=iris.csv", "--sql", "SELECT species, avg(petal_width) AS w FROM iris WHERE sepal_length > 5 GROUP BY species"},
	)
}

// TestGoldenErrors checks that what cannot succeed exits 2 and what fails
// while running exits 1, each with one line on stderr.
func TestGoldenErrors(t *testing.T) {
	dir := fixtures(t)
	runGolden(t, "errors", dir, nil, nil,
		step{},
		step{"bogus"},
		step{"show"},
		step{"show", "missing.csv"},
		step{"count", "missing/*.csv"},
		step{"schema", "missing-dir/"},
		step{"show", "people.txt"},
		step{"show", "people.csv", "--format", "xml"},
		step{"show", "people.csv", "people.json"},
		step{"show", "people.csv", "--bogus"},
		step{"show", "people.csv", "-n", "-1"},
		step{"show", "people.csv", "--truncate=maybe"},
		step{"show", "people.csv", "-o", "header"},
		step{"show", "people.csv", "-o", "mode=SOMETIMES"},
		step{"show", "photos", "-o", "header=false"},
		step{"show", "broken.parquet"},
		step{"head", "photos"},
		step{"head", "people.csv", "--output-format", "xml"},
		step{"sql", "--table", "p=people.csv", "SELEC name FROM p"},
		step{"sql", "--table", "p=people.csv", "SELECT nope FROM p"},
		step{"sql", "SELECT * FROM nowhere"},
		step{"sql", "--table", "p", "SELECT 1"},
		step{"sql", "--table", "p=missing.parquet", "SELECT 1"},
		step{"sql", "--table", "p=people.csv", "SELECT * FROM p", "--output", "people.csv"},
		step{"sql", "--table", "p=people.csv", "SELECT * FROM p", "--output", "out.xml"},
		step{"sql", "--table", "p=people.csv", "SELECT * FROM p", "--output", "out", "--output-format", "xml"},
		step{"explain"},
		step{"explain", "people.csv", "--sql", "SELECT 1"},
		step{"k8s"},
		step{"run", "missing-plan.json"},
		step{"show", "malformed.csv", "-o", "inferSchema=false", "-o", "mode=FAILFAST"},
		step{"show", "--progress=sometimes", "people.csv"},
	)
}

// TestGoldenHelp checks that --help prints usage on stdout and exits 0,
// for every command.
func TestGoldenHelp(t *testing.T) {
	dir := fixtures(t)
	var steps []step
	for _, c := range []string{"", "show", "schema", "count", "head", "sql", "explain", "predict", "run", "commit", "k8s", "k8s manifest"} {
		steps = append(steps, append(strings.Fields(c), "--help"))
	}
	steps = append(steps, step{"help", "count"}, step{"show", "-h"})
	runGolden(t, "help", dir, nil, nil, steps...)
}

// onnxEnv makes sure the binary finds the ONNX Runtime this test process
// found.
func onnxEnv(t *testing.T) []string {
	onnxtest.RequireRuntime(t)
	lib, err := onnx.FindLibrary()
	if err != nil {
		t.Fatal(err)
	}
	lib, err = filepath.Abs(lib)
	if err != nil {
		t.Fatal(err)
	}
	return []string{"ONNXRUNTIME_LIB=" + lib}
}

func TestGoldenPredict(t *testing.T) {
	env := onnxEnv(t)
	dir := fixtures(t)
	const inputs = "sepal_length,sepal_width,petal_length,petal_width"
	iris := []string{"sepal_length", "sepal_width", "petal_length", "petal_width", "species"}
	header := strings.Join(iris, ",") + "\n"
	data, err := os.ReadFile(filepath.Join(dir, "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	// A flower with no petal width: the model fails it, and the job.
	if err := os.WriteFile(filepath.Join(dir, "gap.csv"), []byte(header+lines[1]+"\n5.0,3.1,1.4,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	runGolden(t, "predict", dir, env, nil,
		step{"predict", "--model", "iris.onnx", "--inputs", inputs, "iris.csv", "out/"},
		step{"sql", "--table", "p=out/", "SELECT species, prediction, count(*) AS n FROM p GROUP BY species, prediction ORDER BY species, prediction"},
		step{"predict", "--model", "iris.onnx", "--inputs", inputs, "iris.csv", "out/"},
		step{"predict", "--model", "iris.onnx", "--inputs", inputs, "--labels", "setosa,versicolor,virginica", "--column", "predicted", "iris.csv", "out/", "--overwrite"},
		step{"sql", "-t", "p=out", "SELECT count(*) AS correct FROM p WHERE predicted = species"},
		step{"predict", "-m", "iris.onnx", "-i", inputs, "--outputs", "output_label,output_probability", "iris.csv", "scored.parquet"},
		step{"schema", "scored.parquet"},
		step{"show", "scored.parquet", "-n", "2"},
		step{"predict", "-m", "iris.onnx", "-i", inputs, "iris.csv", "scored.arrow", "--output-format", "json"},
		step{"head", "scored.arrow", "-n", "2"},
		step{"predict", "-m", "iris.onnx", "-i", inputs, "data.parquet", "x.parquet"},
		step{"predict", "-m", "iris.onnx", "-i", "sepal_length,species", "iris.csv", "x.parquet"},
		step{"predict", "-m", "missing.onnx", "-i", inputs, "iris.csv", "x.parquet"},
		step{"predict", "-m", "iris.onnx", "iris.csv", "x.parquet"},
		step{"predict", "-m", "iris.onnx", "-i", inputs, "--outputs", "nope", "iris.csv", "x.parquet"},
		step{"predict", "-m", "iris.onnx", "-i", inputs, "iris.csv", "photos.jpg"},
		step{"predict", "-m", "iris.onnx", "-i", inputs, "gap.csv", "gap-out.csv"},
		step{"count", "gap-out.csv"},
	)
}

// TestGoldenS3 reads and writes an S3 bucket (versitygw) as the issue's
// commands do: ember schema s3://b/out.
func TestGoldenS3(t *testing.T) {
	s := s3test.Start(t) // sets the AWS environment the binary inherits
	dir := fixtures(t)
	runGolden(t, "s3", dir, nil, map[string]string{"s3://b/": s.URL("")},
		step{"sql", "-t", "p=data.parquet", "SELECT id, name, score FROM p", "--output", "s3://b/out", "--output-format", "parquet"},
		step{"schema", "s3://b/out"},
		step{"count", "s3://b/out"},
		step{"show", "s3://b/out/*.parquet", "-n", "2"},
		step{"schema", "s3://b/missing"},
	)
}
