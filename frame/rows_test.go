package frame_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"go.uber.org/goleak"
)

// genSource is a test source of int64 column "n": each partition yields
// batches of rows values, counting the batches it made; batches < 0 never
// ends; failAt fails that partition (when >= 0) at its first read.
type genSource struct {
	parts, rows int
	batches     int
	failAt      int
	made        *atomic.Int64
}

var genSchema = arrow.NewSchema([]arrow.Field{{Name: "n", Type: arrow.PrimitiveTypes.Int64}}, nil)

func (g genSource) String() string        { return "gen" }
func (g genSource) Schema() *arrow.Schema { return genSchema }
func (g genSource) Partitions() int       { return g.parts }
func (g genSource) Open(_ context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	return &genReader{src: g, p: p, mem: opts.Allocator}, nil
}

type genReader struct {
	src  genSource
	p    int
	mem  memory.Allocator
	i    int
	last arrow.RecordBatch
}

func (r *genReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.Close()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if r.p == r.src.failAt {
		return nil, fmt.Errorf("partition %d broke", r.p)
	}
	if r.src.batches >= 0 && r.i >= r.src.batches {
		return nil, io.EOF
	}
	b := array.NewInt64Builder(r.mem)
	defer b.Release()
	for k := range r.src.rows {
		b.Append(int64(r.p*1_000_000 + r.i*r.src.rows + k))
	}
	col := b.NewArray()
	defer col.Release()
	r.i++
	r.src.made.Add(1)
	r.last = array.NewRecordBatch(genSchema, []arrow.Array{col}, int64(col.Len()))
	return r.last, nil
}

func (r *genReader) Close() error {
	if r.last != nil {
		r.last.Release()
		r.last = nil
	}
	return nil
}

func checkedSession(t *testing.T, opts ...frame.Option) *frame.Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem), frame.WithModelKeepAlive(0)}, opts...)...)
	t.Cleanup(func() { sess.Close() })
	return sess
}

func TestRowsInCollectOrder(t *testing.T) {
	for _, parts := range []int{1, 3} {
		for _, batch := range []int{1, 2, 0} {
			t.Run(fmt.Sprintf("parts=%d/batch=%d", parts, batch), func(t *testing.T) {
				mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
				defer mem.AssertSize(t, 0)
				sess := frame.NewSession(frame.WithAllocator(mem), frame.WithBatchSize(batch, 0), frame.WithParallelism(2))
				defer sess.Close()
				df := partitioned(t, sess, mem, people, peopleJSON, parts)
				for _, d := range []*frame.DataFrame{df, df.OrderBy(col("score").Desc()), df.Repartition(4, "dept").OrderBy("name")} {
					want := collectRows(t, d)
					var got []string
					for row, err := range d.Rows(context.Background()) {
						if err != nil {
							t.Fatal(err)
						}
						cells := make([]string, row.Len())
						for i, v := range row.Values() {
							cells[i] = "NULL"
							if v != nil {
								cells[i] = fmt.Sprint(v)
							}
							if f, ok := v.(float64); ok {
								cells[i] = fmt.Sprintf("%.1f", f)
							}
						}
						got = append(got, strings.Join(cells, "|"))
					}
					if !slices.Equal(got, want) {
						t.Fatalf("Rows gave\n  %s\nCollect\n  %s", strings.Join(got, "\n  "), strings.Join(want, "\n  "))
					}
				}
			})
		}
	}
}

func TestRowsGetters(t *testing.T) {
	ctx := context.Background()
	sess := checkedSession(t)
	df := partitioned(t, sess, sess.Allocator(), people, peopleJSON, 2)
	var names []string
	var ages int64
	var nulls int
	for row, err := range df.Rows(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if row.IsNull("name") {
			if _, err := row.GetString("name"); !errors.Is(err, frame.ErrNull) {
				t.Fatalf("GetString of NULL: %v", err)
			}
			if row.Get("name") != nil {
				t.Fatal("Get of NULL is not nil")
			}
			nulls++
			continue
		}
		name, err := row.GetString("name")
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
		if age, err := row.GetInt64("age"); err == nil { // int32 widens
			ages += age
		} else if !errors.Is(err, frame.ErrNull) {
			t.Fatal(err)
		}
		if _, err := row.GetString("id"); err == nil || !strings.Contains(err.Error(), `GetString("id"): the column is int64, not a string`) {
			t.Fatalf("GetString of an int64: %v", err)
		}
		if _, err := row.GetFloat64("nope"); err == nil || !strings.Contains(err.Error(), "columns: id, name, dept, age, score") {
			t.Fatalf("missing column: %v", err)
		}
	}
	if strings.Join(names, ",") != "ann,bob,dave,eve,fay,Gus" || nulls != 1 || ages != 31+45+39+23+51 {
		t.Fatalf("names %v, %d NULLs, ages %d", names, nulls, ages)
	}
}

func TestRowValueTypes(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "i8", Type: arrow.PrimitiveTypes.Int8},
		{Name: "u64", Type: arrow.PrimitiveTypes.Uint64},
		{Name: "f32", Type: arrow.PrimitiveTypes.Float32},
		{Name: "b", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "bin", Type: arrow.BinaryTypes.Binary},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "America/Sao_Paulo"}},
		{Name: "dec", Type: &arrow.Decimal128Type{Precision: 6, Scale: 2}},
		{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int32)},
		{Name: "s", Type: arrow.StructOf(arrow.Field{Name: "x", Type: arrow.BinaryTypes.String, Nullable: true})},
		{Name: "m", Type: arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int64)},
	}, nil)
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{
		"i8": -3, "u64": 18446744073709551615, "f32": 1.5, "b": true, "bin": "aGk=",
		"d": "2024-02-29", "ts": "2024-01-02T03:04:05.000006Z", "dec": "12.50",
		"l": [1, null, 3], "s": {"x": "y"}, "m": [{"key": "k", "value": 7}]}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	row, err := sess.CreateDataFrame(schema, []arrow.RecordBatch{rec}).First(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	sp, _ := time.LoadLocation("America/Sao_Paulo")
	want := map[string]any{
		"i8": int8(-3), "u64": uint64(math.MaxUint64), "f32": float32(1.5), "b": true, "bin": []byte("hi"),
		"d": time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC), "ts": time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC).In(sp),
		"dec": "12.50", "l": []any{int32(1), nil, int32(3)}, "s": map[string]any{"x": "y"}, "m": map[any]any{"k": int64(7)},
	}
	for name, w := range want {
		if got := row.Get(name); fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", w) {
			t.Errorf("%s = %#v, want %#v", name, got, w)
		}
	}
	if i, err := row.GetInt64("i8"); i != -3 || err != nil {
		t.Errorf("GetInt64(i8) = %d, %v", i, err)
	}
	if _, err := row.GetInt64("u64"); err == nil || !strings.Contains(err.Error(), "does not fit") {
		t.Errorf("GetInt64(u64 max) = %v", err)
	}
	if f, err := row.GetFloat64("f32"); f != 1.5 || err != nil {
		t.Errorf("GetFloat64(f32) = %v, %v", f, err)
	}
	if tm, err := row.GetTime("d"); err != nil || !tm.Equal(time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("GetTime(d) = %v, %v", tm, err)
	}
	if b, err := row.GetBool("b"); !b || err != nil {
		t.Errorf("GetBool(b) = %v, %v", b, err)
	}
	if got := row.String(); !strings.HasPrefix(got, "Row(i8=-3, u64=18446744073709551615, f32=1.5, b=true") {
		t.Errorf("String = %s", got)
	}
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), `no column "zz"`) {
				t.Errorf("Get of a missing column: recovered %v", r)
			}
		}()
		row.Get("zz")
	}()
}

func TestFirstAndHead(t *testing.T) {
	ctx := context.Background()
	sess := checkedSession(t)
	df := partitioned(t, sess, sess.Allocator(), people, peopleJSON, 3)
	first, err := df.OrderBy(col("age").Desc()).First(ctx)
	if err != nil || first.Get("name") != "Gus" || first.Get("age") != int32(51) {
		t.Fatalf("First = %v, %v", first, err)
	}
	rows, err := df.Head(ctx, 3)
	if err != nil || len(rows) != 3 {
		t.Fatalf("Head(3) = %v, %v", rows, err)
	}
	if got := fmt.Sprint(rows); got != "[Row(id=1, name=ann, dept=eng, age=31, score=4.5) Row(id=2, name=bob, dept=ops, age=45, score=NULL) Row(id=3, name=NULL, dept=eng, age=28, score=3.0)]" {
		t.Fatalf("Head(3) = %s", got)
	}
	if rows, err := df.Head(ctx, 100); err != nil || len(rows) != 7 {
		t.Fatalf("Head(100) = %d rows, %v", len(rows), err)
	}
	if rows, err := df.Head(ctx, 0); err != nil || len(rows) != 0 {
		t.Fatalf("Head(0) = %v, %v", rows, err)
	}
	if _, err := df.Head(ctx, -1); err == nil || !strings.Contains(err.Error(), "Head(-1): negative row count") {
		t.Fatalf("Head(-1) = %v", err)
	}
	if _, err := df.Filter(col("id").Gt(100)).First(ctx); !errors.Is(err, frame.ErrNoRows) {
		t.Fatalf("First of nothing = %v", err)
	}
	if _, err := df.Select("nope").First(ctx); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("First of a failed DataFrame = %v", err)
	}
	sess.Close()
	if rows[1].Get("name") != "bob" { // copies outlive the session
		t.Fatal(rows[1])
	}
}

// TestRowsBreakStopsTheJob breaks out of the loop over an endless source:
// the loop must return (the job stopped), the job must have made only the
// few batches the stream buffers, and nothing may leak.
func TestRowsBreakStopsTheJob(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, parts := range []int{1, 4} {
		t.Run(fmt.Sprint("parts=", parts), func(t *testing.T) {
			sess := checkedSession(t, frame.WithParallelism(2))
			var made atomic.Int64
			df := sess.FromPlan(&plan.Scan{Source: genSource{parts: parts, rows: 100, batches: -1, failAt: -1, made: &made}}).
				WithColumn("m", col("n").Mul(2))
			n := 0
			for row, err := range df.Rows(context.Background()) {
				if err != nil {
					t.Fatal(err)
				}
				if row.Get("n") != int64(0) || row.Get("m") != int64(0) {
					t.Fatal(row)
				}
				n++
				break
			}
			if n != 1 {
				t.Fatalf("%d rows", n)
			}
			// Two running partitions, each with at most 2 queued batches, one
			// being handed over and one being made, plus the one read.
			if m := made.Load(); m > 2*4+1 {
				t.Fatalf("the job made %d batches for 1 row", m)
			}
			jobs := sess.Jobs()
			if last := jobs[len(jobs)-1]; last.Action != "Rows" || last.Err == nil {
				t.Fatalf("last job %s ended with %v, want a cancellation", last.Action, last.Err)
			}
		})
	}
}

// TestRowsJobFailureWhileBlocked: partition 0 fills its queue and waits
// for a reader that reads slowly while partition 2 fails; the error must
// come out of the loop rather than the job waiting on the reader forever.
func TestRowsJobFailureWhileBlocked(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sess := checkedSession(t, frame.WithParallelism(3))
	var made atomic.Int64
	df := sess.FromPlan(&plan.Scan{Source: genSource{parts: 3, rows: 10, batches: -1, failAt: 2, made: &made}})
	var got error
	rows := 0
	for _, err := range df.Rows(context.Background()) {
		if err != nil {
			got = err
			break
		}
		rows++
	}
	if got == nil || !strings.Contains(got.Error(), "partition 2 broke") {
		t.Fatalf("after %d rows: %v", rows, got)
	}
}

func TestRowsContextCancelled(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	sess := checkedSession(t)
	var made atomic.Int64
	df := sess.FromPlan(&plan.Scan{Source: genSource{parts: 2, rows: 10, batches: -1, failAt: -1, made: &made}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var got error
	for _, err := range df.Rows(ctx) {
		if err != nil {
			got = err
			break
		}
		cancel()
	}
	if !errors.Is(got, context.Canceled) {
		t.Fatalf("got %v, want context.Canceled", got)
	}
}

func TestRowsErrors(t *testing.T) {
	sess := checkedSession(t)
	var made atomic.Int64
	small := sess.FromPlan(&plan.Scan{Source: genSource{parts: 1, rows: 3, batches: 1, failAt: -1, made: &made}})
	bad := small.Select("nope")
	for _, err := range bad.Rows(context.Background()) {
		if err == nil || !strings.Contains(err.Error(), "nope") {
			t.Fatalf("Rows of a failed DataFrame: %v", err)
		}
	}
	if _, err := bad.RecordReader(context.Background()); err == nil {
		t.Fatal("RecordReader of a failed DataFrame succeeded")
	}
	var nilDF *frame.DataFrame
	for _, err := range nilDF.Rows(context.Background()) {
		if err == nil {
			t.Fatal("Rows of a nil DataFrame yielded a row")
		}
	}
	df := small
	sess.Close()
	for _, err := range df.Rows(context.Background()) {
		if !errors.Is(err, frame.ErrSessionClosed) {
			t.Fatalf("Rows after Close: %v", err)
		}
	}
}

func TestRecordReader(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	ctx := context.Background()
	sess := checkedSession(t, frame.WithBatchSize(2, 0))
	df := partitioned(t, sess, sess.Allocator(), people, peopleJSON, 3).OrderBy("id")
	rr, err := df.RecordReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rr.Schema().Equal(df.Schema()) {
		t.Fatalf("schema %s", rr.Schema())
	}
	var got []string
	for rr.Next() {
		got = append(got, renderBatch(rr.RecordBatch())...)
	}
	if rr.Err() != nil || rr.Next() {
		t.Fatal(rr.Err())
	}
	rr.Release()
	if want := collectRows(t, df); !slices.Equal(got, want) {
		t.Fatalf("reader gave %v, Collect %v", got, want)
	}

	// Released early, with a second reference: the job ends at the last.
	var made atomic.Int64
	endless := sess.FromPlan(&plan.Scan{Source: genSource{parts: 2, rows: 5, batches: -1, failAt: -1, made: &made}})
	rr, err = endless.RecordReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rr.Retain()
	if !rr.Next() || rr.RecordBatch().NumRows() != 5 {
		t.Fatal(rr.Err())
	}
	rr.Release()
	rr.Release()

	// A failing job: Next returns false and Err says why.
	failing := sess.FromPlan(&plan.Scan{Source: genSource{parts: 2, rows: 5, batches: 1, failAt: 1, made: &made}})
	rr, err = failing.RecordReader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for rr.Next() {
	}
	if rr.Err() == nil || !strings.Contains(rr.Err().Error(), "partition 1 broke") {
		t.Fatalf("Err = %v", rr.Err())
	}
	rr.Release()
}

func renderBatch(b arrow.RecordBatch) []string {
	var rows []string
	for r := range int(b.NumRows()) {
		cells := make([]string, b.NumCols())
		for c, col := range b.Columns() {
			cells[c] = frame.CellString(col, r)
		}
		rows = append(rows, strings.Join(cells, "|"))
	}
	return rows
}
