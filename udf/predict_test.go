package udf_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
	"github.com/ember-df/ember/udf"
	"go.uber.org/goleak"
)

// doubler is a Go model for testing the engine's side of Predict: it
// doubles a float64 column, failing the whole batch when a row is
// negative (as ONNX Runtime fails a batch), and records what it sees.
type doubler struct {
	key       string
	rowErrors bool          // report failed rows instead of failing the batch
	transient atomic.Int64  // fail this many calls transiently first
	block     chan struct{} // when set, Predict waits for it or ctx
	loads     atomic.Int64
	closes    atomic.Int64
	perJob    bool         // Hints.ReleaseAfterJob
	threads   atomic.Int64 // LoadOptions.Threads of the last load
	parallel  atomic.Int64 // LoadOptions.Parallelism of the last load
	limit     int          // Hints.Concurrency
	active    atomic.Int64
	peak      atomic.Int64 // most calls at once
	mu        sync.Mutex
	sizes     []int // batch sizes seen
}

var doublers atomic.Int64

func newDoubler(t *testing.T) *doubler {
	m := &doubler{key: fmt.Sprintf("%s-%d", t.Name(), doublers.Add(1))}
	t.Cleanup(func() { udf.Unload(m) })
	return m
}

func (m *doubler) Name() string { return "doubler" }
func (m *doubler) Key() string  { return m.key }
func (m *doubler) Hints() udf.Hints {
	return udf.Hints{Concurrency: m.limit, ReleaseAfterJob: m.perJob}
}
func (m *doubler) Bind(in []arrow.Field) ([]arrow.Field, error) {
	if len(in) != 1 || in[0].Type.ID() != arrow.FLOAT64 {
		return nil, fmt.Errorf("doubler takes one float64 column, got %v", in)
	}
	return []arrow.Field{{Name: "doubled", Type: arrow.PrimitiveTypes.Float64}}, nil
}
func (m *doubler) Load(ctx context.Context, opts udf.LoadOptions) (udf.Loaded, error) {
	m.loads.Add(1)
	m.threads.Store(int64(opts.Threads))
	m.parallel.Store(int64(opts.Parallelism))
	return m, nil
}
func (m *doubler) Close() error {
	m.closes.Add(1)
	return nil
}

func (m *doubler) Predict(ctx context.Context, in []arrow.Array, rows int) ([]arrow.Array, error) {
	m.mu.Lock()
	m.sizes = append(m.sizes, rows)
	m.mu.Unlock()
	n := m.active.Add(1)
	defer m.active.Add(-1)
	for p := m.peak.Load(); n > p && !m.peak.CompareAndSwap(p, n); p = m.peak.Load() {
	}
	time.Sleep(time.Millisecond) // let calls overlap
	if m.block != nil {
		select {
		case <-m.block:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if m.transient.Add(-1) >= 0 {
		return nil, fmt.Errorf("model server restarting: %w", plan.ErrTransient)
	}
	x := in[0].(*array.Float64)
	b := array.NewFloat64Builder(compute.GetAllocator(ctx))
	defer b.Release()
	var failed []int
	var errs []error
	for i := range rows {
		if x.Value(i) < 0 {
			if !m.rowErrors {
				return nil, fmt.Errorf("negative input %v", x.Value(i))
			}
			failed, errs = append(failed, i), append(errs, fmt.Errorf("negative input %v", x.Value(i)))
			b.AppendNull()
			continue
		}
		b.Append(2 * x.Value(i))
	}
	out := b.NewArray()
	if failed != nil {
		return nil, &plan.RowErrors{Result: out, Rows: failed, Errs: errs}
	}
	return []arrow.Array{out}, nil
}

func (m *doubler) batchSizes() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]int(nil), m.sizes...)
}

// signed is the iris data with x = sepal_length, negated on every 10th row.
func signed(t *testing.T, parallelism int) (*frame.Session, *frame.DataFrame) {
	sess, iris := irisSession(t, parallelism)
	x := frame.When(frame.MonotonicallyIncreasingID().Mod(10).Eq(3), frame.Col("sepal_length").Negate()).Otherwise(frame.Col("sepal_length"))
	return sess, iris.WithColumn("x", x).Select("species", "x")
}

func TestPredictFailFastNamesPartitionRowsAndCause(t *testing.T) {
	_, df := signed(t, 1)
	_, err := df.WithColumn("y", udf.Predict(newDoubler(t), "x").BatchRows(50)).Collect(context.Background())
	want := "exec: predict[doubler] in partition 0, rows 0–49: negative input -4.6"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %q", err, want)
	}
}

func TestPredictRowErrorsFailFastNamesRow(t *testing.T) {
	_, df := signed(t, 1)
	m := newDoubler(t)
	m.rowErrors = true
	_, err := df.WithColumn("y", udf.Predict(m, "x").BatchRows(50)).Collect(context.Background())
	want := "exec: predict[doubler] in partition 0, rows 0–49: row 3: negative input -4.6 (5 rows of the batch failed)"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %q", err, want)
	}
}

func checkNullPolicy(t *testing.T, sess *frame.Session, df *frame.DataFrame) {
	t.Helper()
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 150 {
		t.Fatalf("%d rows", tbl.NumRows())
	}
	nulls := 0
	for k, c := range tbl.Column(1).Data().Chunks() {
		x := c.(*array.Float64)
		y := tbl.Column(2).Data().Chunk(k).(*array.Float64)
		e := tbl.Column(3).Data().Chunk(k).(*array.String)
		for i := range x.Len() {
			switch {
			case x.Value(i) < 0:
				nulls++
				if y.IsValid(i) || !strings.Contains(e.Value(i), "negative input") {
					t.Fatalf("row %d: y %v, error %q", i, y.Value(i), e.Value(i))
				}
			case y.Value(i) != 2*x.Value(i) || e.IsValid(i):
				t.Fatalf("row %d: y %v for x %v, error %q", i, y.Value(i), x.Value(i), e.Value(i))
			}
		}
	}
	if m := sess.LastMetrics().UDFs[0]; nulls != 15 || m.FailedRows != 15 {
		t.Fatalf("%d NULLs, metrics %s", nulls, m)
	}
}

func TestPredictOnErrorNullIsolatesBadRows(t *testing.T) {
	sess, df := signed(t, 2)
	checkNullPolicy(t, sess, df.WithColumn("y", udf.Predict(newDoubler(t), "x").OnErrorNull("y_error")))
}

func TestPredictOnErrorNullWithRowErrors(t *testing.T) {
	sess, df := signed(t, 2)
	m := newDoubler(t)
	m.rowErrors = true
	checkNullPolicy(t, sess, df.WithColumn("y", udf.Predict(m, "x").OnErrorNull("y_error")))
	if got := len(m.batchSizes()); got > 4 {
		t.Fatalf("%d runs: row errors need no isolation runs", got)
	}
}

func TestPredictDeadLetter(t *testing.T) {
	sess, df := signed(t, 3)
	dir := filepath.Join(t.TempDir(), "bad")
	tbl, err := df.Repartition(3).WithColumn("y", udf.Predict(newDoubler(t), "x").DeadLetter(dir)).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 135 {
		t.Fatalf("%d rows kept, want 135", tbl.NumRows())
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	hidden, _ := filepath.Glob(filepath.Join(dir, ".*"))
	lines := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var row map[string]any
			if err := json.Unmarshal([]byte(line), &row); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if x, _ := row["x"].(float64); x >= 0 || !strings.Contains(row["_error"].(string), "negative input") || row["species"] == nil || row["_function"] != "predict[doubler]" {
				t.Fatalf("dead letter %v", row)
			}
			lines++
		}
	}
	if lines != 15 || len(hidden) != 0 {
		t.Fatalf("%d dead letters in %v (hidden %v)", lines, files, hidden)
	}
	if m := sess.LastMetrics().UDFs[0]; m.FailedRows != 15 || m.DeadLetters != 15 {
		t.Fatalf("metrics %s, %d dead letters", m, m.DeadLetters)
	}
}

func TestPredictRetriesTransientFailures(t *testing.T) {
	sess, iris := irisSession(t, 1)
	m := newDoubler(t)
	m.transient.Store(2)
	tbl, err := iris.WithColumn("y", udf.Predict(m, "sepal_length")).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tbl.Release()
	if u := sess.LastMetrics().UDFs[0]; u.Retries != 2 || u.Rows != 150 {
		t.Fatalf("metrics %s", u)
	}
	m.transient.Store(5)
	_, err = iris.WithColumn("y", udf.Predict(m, "sepal_length").Retries(1)).Collect(context.Background())
	if !errors.Is(err, plan.ErrTransient) || !strings.Contains(err.Error(), "model server restarting") {
		t.Fatalf("err = %v", err)
	}
}

func TestPredictBatchesByRowsAndBytes(t *testing.T) {
	for _, tc := range []struct {
		adjust func(*udf.Prediction) *udf.Prediction
		most   int
	}{
		{func(p *udf.Prediction) *udf.Prediction { return p.BatchRows(40) }, 40},
		{func(p *udf.Prediction) *udf.Prediction { return p.BatchBytes(8 * 25) }, 25}, // float64: 8 bytes a row
		{func(p *udf.Prediction) *udf.Prediction { return p }, 150},
	} {
		_, iris := irisSession(t, 1) // input batches of 7 rows
		m := newDoubler(t)
		p := tc.adjust(udf.Predict(m, "sepal_length"))
		tbl, err := iris.WithColumn("y", p).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tbl.Release()
		sizes := m.batchSizes()
		total := 0
		for i, s := range sizes {
			total += s
			if s > tc.most || (i < len(sizes)-1 && s < tc.most-7) {
				t.Fatalf("batch sizes %v, want full batches of at most %d", sizes, tc.most)
			}
		}
		if total != 150 {
			t.Fatalf("batch sizes %v", sizes)
		}
	}
}

func TestPredictRunsOnlyOnRowsKept(t *testing.T) {
	sess, iris := irisSession(t, 2)
	m := newDoubler(t)
	scored := iris.WithColumn("y", udf.Predict(m, "sepal_length"))
	tbl, err := scored.Take(context.Background(), 5)
	if err != nil {
		t.Fatal(err)
	}
	tbl.Release()
	if u := sess.LastMetrics().UDFs[0]; u.Rows > 7 || u.Batches != 1 {
		t.Fatalf("Take(5) scored %s", u)
	}
	tbl, err = scored.Filter(frame.Col("species").Eq("setosa")).Select("y").Collect(context.Background())
	if err != nil || tbl.NumRows() != 50 {
		t.Fatal(tbl, err)
	}
	tbl.Release()
	if u := sess.LastMetrics().UDFs[0]; u.Rows != 50 {
		t.Fatalf("filtered job scored %s", u)
	}
	if !strings.Contains(scored.Filter(frame.Col("species").Eq("setosa")).Explain(), "EvaluateExec predict[doubler](sepal_length) AS y (batches of 16384 rows, 8388608 bytes)\n  +- FilterExec") {
		t.Fatalf("filter not below the model:\n%s", scored.Filter(frame.Col("species").Eq("setosa")).Explain())
	}
	if m.loads.Load() != 1 {
		t.Fatalf("%d loads", m.loads.Load())
	}
}

func TestPredictCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, iris := irisSession(t, 2)
	m := newDoubler(t)
	m.block = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := iris.Repartition(2).WithColumn("y", udf.Predict(m, "sepal_length")).Collect(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestPredictPlansTravelOnlyWithPortableModels(t *testing.T) {
	_, iris := irisSession(t, 1)
	_, err := plan.Marshal(iris.WithColumn("y", udf.Predict(newDoubler(t), "sepal_length")).Plan())
	if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), "doubler") {
		t.Fatalf("err = %v", err)
	}
}

func TestPredictNullInputsAreFailedRows(t *testing.T) {
	sess, iris := irisSession(t, 1)
	m := newDoubler(t)
	x := frame.When(frame.Col("petal_width").Gt(2.3), frame.Lit(nil)).Otherwise(frame.Col("sepal_length"))
	df := iris.WithColumn("x", x)
	_, err := df.WithColumn("y", udf.Predict(m, "x")).Collect(context.Background())
	want := "exec: predict[doubler] in partition 0, rows 0–149: row 100: model doubler: input 1 is NULL"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v\nwant %q", err, want)
	}
	tbl, err := df.WithColumn("y", udf.Predict(m, "x").OnErrorNull("why")).Select("x", "y", "why").Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	nulls := 0
	for k, c := range tbl.Column(1).Data().Chunks() {
		why := tbl.Column(2).Data().Chunk(k)
		xs := tbl.Column(0).Data().Chunk(k)
		for i := range c.Len() {
			if xs.IsNull(i) != c.IsNull(i) || xs.IsNull(i) != why.IsValid(i) {
				t.Fatalf("row %d: x %s, y %s, why %s", i, xs.ValueStr(i), c.ValueStr(i), why.ValueStr(i))
			}
			if c.IsNull(i) {
				nulls++
			}
		}
	}
	if u := sess.LastMetrics().UDFs[0]; nulls != 6 || u.FailedRows != 6 || u.Batches != 1 { // 6 flowers have petals wider than 2.3 cm
		t.Fatalf("%d NULLs; %s", nulls, u)
	}
}

func TestPredictConcurrencyHint(t *testing.T) {
	for _, limit := range []int{0, 1} {
		_, iris := irisSession(t, 4)
		m := newDoubler(t)
		m.limit = limit
		tbl, err := iris.Repartition(4).WithColumn("y", udf.Predict(m, "sepal_length").BatchRows(5)).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tbl.Release()
		if peak := m.peak.Load(); (limit == 1 && peak != 1) || (limit == 0 && peak < 2) {
			t.Fatalf("limit %d: %d calls at once", limit, peak)
		}
	}
}

func TestPredictLabelsFile(t *testing.T) {
	_, iris := irisSession(t, 1)
	path := filepath.Join(t.TempDir(), "labels.txt")
	if err := os.WriteFile(path, []byte("zero\none\ntwo\nthree\nfour\nfive\nsix\nseven\neight\nnine\nten\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	y := udf.Predict(newDoubler(t), "sepal_length").Then(udf.PostFunc("floor", arrow.PrimitiveTypes.Int64,
		func(ctx context.Context, in arrow.Array) (arrow.Array, error) {
			return compute.CastArray(ctx, in, compute.UnsafeCastOptions(arrow.PrimitiveTypes.Int64))
		})).LabelsFile(path)
	tbl, err := iris.Limit(1).WithColumn("y", y).Select("y").Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if got := tbl.Column(0).Data().Chunk(0).ValueStr(0); got != "ten" {
		t.Fatalf("label %q", got) // 5.1 doubled is 10.2
	}
	err = iris.WithColumn("y", udf.Predict(newDoubler(t), "sepal_length").LabelsFile("/no/such/labels.txt")).Err()
	if err == nil || !strings.Contains(err.Error(), "labels: open /no/such/labels.txt") {
		t.Fatalf("err = %v", err)
	}
}

func TestPredictThreadsFollowTheJobsPartitions(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one core: every job gets one thread")
	}
	_, iris := irisSession(t, runtime.NumCPU())
	m := newDoubler(t)
	score := func(df *frame.DataFrame) {
		t.Helper()
		tbl, err := df.WithColumn("p", udf.Predict(m, "sepal_length")).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tbl.Release()
	}
	// One partition: the model may use every core.
	score(iris.Coalesce(1))
	if got := m.threads.Load(); got != int64(runtime.NumCPU()) {
		t.Fatalf("one-partition job loaded the model with %d threads, want %d", got, runtime.NumCPU())
	}
	// As many partitions as cores: one thread each, a copy of its own.
	score(iris.Repartition(runtime.NumCPU()))
	if got, loads := m.threads.Load(), m.loads.Load(); got != 1 || loads != 2 {
		t.Fatalf("parallel job: %d threads, %d loads in all; want 1 thread and a second load", got, loads)
	}
	score(iris.Coalesce(1))
	if loads := m.loads.Load(); loads != 2 {
		t.Fatalf("%d loads; the one-partition copy should have been reused", loads)
	}
}

func TestPredictReleaseAfterJobClosesTheModelWhenTheJobEnds(t *testing.T) {
	_, iris := irisSession(t, 2)
	m := newDoubler(t)
	m.perJob = true
	for job := int64(1); job <= 2; job++ {
		tbl, err := iris.Repartition(2).WithColumn("p", udf.Predict(m, "sepal_length")).Collect(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		tbl.Release()
		if loads, closes := m.loads.Load(), m.closes.Load(); loads != job || closes != job {
			t.Fatalf("after job %d: %d loads and %d closes; want the model loaded for each job and closed at its end", job, loads, closes)
		}
	}
	if got := m.parallel.Load(); got != 2 {
		t.Fatalf("loaded with Parallelism %d, want 2 (the job's partitions)", got)
	}
	// A failed job releases it too.
	_, err := iris.WithColumn("p", udf.Predict(m, frame.Col("sepal_length").Mul(frame.Lit(-1.0)))).Collect(context.Background())
	if err == nil {
		t.Fatal("scoring negative values succeeded")
	}
	if loads, closes := m.loads.Load(), m.closes.Load(); loads != closes {
		t.Fatalf("after a failed job: %d loads, %d closes", loads, closes)
	}
}

// halves is a model with two outputs declared non-nullable, as a plugin's
// schema may declare them.
type halves struct{ key string }

func (m halves) Name() string     { return "halves" }
func (m halves) Key() string      { return m.key }
func (m halves) Hints() udf.Hints { return udf.Hints{} }
func (m halves) Bind(in []arrow.Field) ([]arrow.Field, error) {
	return []arrow.Field{{Name: "half", Type: arrow.PrimitiveTypes.Float64}, {Name: "rest", Type: arrow.PrimitiveTypes.Float64}}, nil
}
func (m halves) Load(context.Context, udf.LoadOptions) (udf.Loaded, error) { return m, nil }
func (m halves) Close() error                                              { return nil }
func (m halves) Predict(ctx context.Context, in []arrow.Array, rows int) ([]arrow.Array, error) {
	half, err := compute.Divide(ctx, compute.ArithmeticOptions{}, &compute.ArrayDatum{Value: in[0].Data()}, compute.NewDatum(2.0))
	if err != nil {
		return nil, err
	}
	defer half.Release()
	a := half.(*compute.ArrayDatum).MakeArray()
	a.Retain()
	return []arrow.Array{a, a}, nil
}

func TestPredictStructKeepsDeclaredNullability(t *testing.T) {
	_, iris := irisSession(t, 1)
	m := halves{key: t.Name()}
	t.Cleanup(func() { udf.Unload(m) })
	tbl, err := iris.WithColumn("p", udf.Predict(m, "sepal_length")).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if got := tbl.Schema().Field(tbl.Schema().FieldIndices("p")[0]).Type.String(); got != "struct<half: float64, rest: float64>" {
		t.Fatalf("type %s", got)
	}
}

// TestPredictDeadLetterOnObjectStore: the dead-letter directory may be on
// an object store; each partition's file appears complete.
func TestPredictDeadLetterOnObjectStore(t *testing.T) {
	_, df := signed(t, 3)
	t.Cleanup(func() { storage.DropMemBucket("dead-letters") })
	dir := "mem://dead-letters/bad"
	tbl, err := df.Repartition(3).WithColumn("y", udf.Predict(newDoubler(t), "x").DeadLetter(dir)).Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	tbl.Release()
	files, err := storage.List(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, f := range files {
		data, err := storage.ReadFile(context.Background(), f.Path)
		if err != nil {
			t.Fatal(err)
		}
		lines += strings.Count(string(data), "\n")
	}
	if lines != 15 {
		t.Fatalf("%d dead letters in %v", lines, files)
	}
}
