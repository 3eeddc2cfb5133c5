// Command iris-handloop is the hand-written baseline of the model-scoring
// benchmark driven by bench/cmd/predict-compare: what a Go programmer writes
// without a dataframe library, straight on arrow-go and onnxruntime_go.
//
// It scores every row of an iris-like CSV with an ONNX classifier:
//
//	arrow-go csv.Reader (64Ki-row chunks) → pack the four float64 columns
//	into one float32 [N,4] tensor → ONNX Runtime (output_label only) →
//	arrow-go csv.Writer (the input columns plus prediction int64)
//
// one chunk after another, in a single loop.
//
// Usage:
//
//	iris-handloop -in input.csv -out DIR|FILE.csv [-model iris_random_forest.onnx]
//
// The input's header must be
// sepal_length,sepal_width,petal_length,petal_width,label. An -out ending
// in .csv is the output file; anything else is a directory (created if
// needed) that receives part-00000.csv, like the other contenders' outputs.
// The output starts with a header line.
//
// ONNX Runtime is loaded from $ONNXRUNTIME_LIB, or else from
// third_party/onnxruntime/lib/libonnxruntime.so.1 in the working directory
// or the nearest parent that has it (scripts/install-onnxruntime.sh puts it
// there). The session runs on GOMAXPROCS intra-op threads (the number of
// CPUs unless GOMAXPROCS is set). Errors go to stderr and yield a non-zero
// exit status.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/csv"
	"github.com/apache/arrow-go/v18/arrow/memory"
	ort "github.com/yalue/onnxruntime_go"
)

// chunkRows is the number of rows read, scored and written at a time.
const chunkRows = 64 << 10

// features are the model's input columns, in the order of its input X.
var features = []string{"sepal_length", "sepal_width", "petal_length", "petal_width"}

// inputSchema is the input CSV's schema; the header must match its names.
var inputSchema = arrow.NewSchema([]arrow.Field{
	{Name: features[0], Type: arrow.PrimitiveTypes.Float64},
	{Name: features[1], Type: arrow.PrimitiveTypes.Float64},
	{Name: features[2], Type: arrow.PrimitiveTypes.Float64},
	{Name: features[3], Type: arrow.PrimitiveTypes.Float64},
	{Name: "label", Type: arrow.PrimitiveTypes.Int64},
}, nil)

// outputSchema is inputSchema followed by the model's prediction.
var outputSchema = arrow.NewSchema(append(inputSchema.Fields(),
	arrow.Field{Name: "prediction", Type: arrow.PrimitiveTypes.Int64}), nil)

func main() {
	in := flag.String("in", "", "input CSV file")
	out := flag.String("out", "", "output directory (receives part-00000.csv) or file ending in .csv")
	model := flag.String("model", "udf/onnx/testdata/iris_random_forest.onnx", "ONNX model: input X float32[N,4], output output_label int64[N]")
	flag.Parse()
	if *in == "" || *out == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: iris-handloop -in input.csv -out DIR|FILE.csv [-model model.onnx]")
		os.Exit(2)
	}
	if err := run(*in, *out, *model); err != nil {
		fmt.Fprintln(os.Stderr, "iris-handloop:", err)
		os.Exit(1)
	}
}

// run scores every row of in with model and writes the result to out.
func run(in, out, model string) error {
	lib, err := findLibrary()
	if err != nil {
		return err
	}
	ort.SetSharedLibraryPath(lib)
	if err := ort.InitializeEnvironment(); err != nil {
		return fmt.Errorf("loading ONNX Runtime %s: %w", lib, err)
	}
	defer ort.DestroyEnvironment()

	opts, err := ort.NewSessionOptions()
	if err != nil {
		return err
	}
	defer opts.Destroy()
	if err := opts.SetIntraOpNumThreads(runtime.GOMAXPROCS(0)); err != nil {
		return err
	}
	// Asking for output_label only: the model's other output, a ZipMap of
	// probabilities (a sequence of maps), is then never materialised.
	sess, err := ort.NewDynamicAdvancedSession(model, []string{"X"}, []string{"output_label"}, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", model, err)
	}
	defer sess.Destroy()

	src, err := os.Open(in)
	if err != nil {
		return err
	}
	defer src.Close()
	r := csv.NewReader(bufio.NewReaderSize(src, 1<<20), inputSchema, csv.WithHeader(true), csv.WithChunk(chunkRows))
	defer r.Release()

	path := out
	if !strings.HasSuffix(out, ".csv") {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		path = filepath.Join(out, "part-00000.csv")
	}
	dst, err := os.Create(path)
	if err != nil {
		return err
	}
	defer dst.Close()
	bw := bufio.NewWriterSize(dst, 1<<20)
	w := csv.NewWriter(bw, outputSchema, csv.WithHeader(true))

	x := make([]float32, chunkRows*len(features))
	labels := make([]int64, chunkRows)
	for r.Next() {
		rec := r.RecordBatch()
		if err := checkHeader(rec.Schema()); err != nil {
			return err
		}
		n := int(rec.NumRows())
		for c := range features {
			for i, v := range rec.Column(c).(*array.Float64).Float64Values() {
				x[i*len(features)+c] = float32(v)
			}
		}
		if err := predict(sess, x[:n*len(features)], labels[:n]); err != nil {
			return err
		}
		if err := write(w, rec, labels[:n]); err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
	}
	if err := r.Err(); err != nil {
		return fmt.Errorf("read %s: %w", in, err)
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return dst.Close()
}

// predict runs the model on the rows x (len(labels) rows of four features)
// and stores their labels. Both tensors borrow the Go slices.
func predict(sess *ort.DynamicAdvancedSession, x []float32, labels []int64) error {
	n := int64(len(labels))
	in, err := ort.NewTensor(ort.NewShape(n, int64(len(features))), x)
	if err != nil {
		return err
	}
	defer in.Destroy()
	outT, err := ort.NewTensor(ort.NewShape(n), labels)
	if err != nil {
		return err
	}
	defer outT.Destroy()
	if err := sess.Run([]ort.Value{in}, []ort.Value{outT}); err != nil {
		return fmt.Errorf("onnx run: %w", err)
	}
	return nil
}

// write writes the input batch rec with labels appended as the prediction
// column. The prediction array borrows labels: the writer has formatted
// every row by the time Write returns.
func write(w *csv.Writer, rec arrow.RecordBatch, labels []int64) error {
	data := array.NewData(arrow.PrimitiveTypes.Int64, len(labels),
		[]*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int64Traits.CastToBytes(labels))}, nil, 0, 0)
	pred := array.NewInt64Data(data)
	data.Release()
	defer pred.Release()

	cols := append(rec.Columns()[:len(rec.Columns()):len(rec.Columns())], pred)
	out := array.NewRecordBatch(outputSchema, cols, int64(len(labels)))
	defer out.Release()
	return w.Write(out)
}

// checkHeader reports whether the reader took the expected column names
// from the header line (arrow-go's reader names the columns after it).
func checkHeader(s *arrow.Schema) error {
	for i, f := range inputSchema.Fields() {
		if got := s.Field(i).Name; got != f.Name {
			return fmt.Errorf("input column %d is %q, want %q", i+1, got, f.Name)
		}
	}
	return nil
}

// findLibrary returns the ONNX Runtime shared library: $ONNXRUNTIME_LIB,
// or third_party/onnxruntime/lib/libonnxruntime.so.1 in the working
// directory or its nearest parent that has it.
func findLibrary() (string, error) {
	if p := os.Getenv("ONNXRUNTIME_LIB"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("ONNXRUNTIME_LIB: %w", err)
		}
		return p, nil
	}
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, "third_party", "onnxruntime", "lib", "libonnxruntime.so.1")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("ONNX Runtime not found: set ONNXRUNTIME_LIB or run scripts/install-onnxruntime.sh in the ember repository")
		}
		dir = parent
	}
}
