package udf_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/plan/optimize"
	"github.com/ember-df/ember/udf"
)

// Registered functions are package-level variables, as in a program: the
// registry is process-wide, and tests may run more than once.
var (
	fahrenheitUDF = udf.MustRegister(udf.Func1("udf_test.fahrenheit", toFahrenheit))
	greetUDF      = udf.MustRegister(udf.Func2("udf_test.greet", func(name string, n int64) string {
		return strings.Repeat("hi ", int(n)) + name
	}))
)

func TestRegister(t *testing.T) {
	if s, ok := udf.Lookup("udf_test.fahrenheit"); !ok || s != fahrenheitUDF {
		t.Fatalf("Lookup = %v, %v", s, ok)
	}
	if _, ok := udf.Lookup("udf_test.missing"); ok {
		t.Fatal("Lookup found a function never registered")
	}
	if err := udf.Register(fahrenheitUDF); err != nil {
		t.Fatalf("registering the same function again: %v", err)
	}
	other := udf.Func1("udf_test.fahrenheit", func(c float64) float64 { return c })
	if err := udf.Register(other); !errors.Is(err, udf.ErrDuplicateName) || !strings.Contains(err.Error(), `"udf_test.fahrenheit"`) {
		t.Fatalf("err = %v", err)
	}
	if s, _ := udf.Lookup("udf_test.fahrenheit"); s != fahrenheitUDF {
		t.Fatal("a refused registration replaced the function")
	}
	if err := udf.Register(nil); err == nil {
		t.Fatal("registered nil")
	}
	if err := udf.Register(udf.Func1("udf_test.bad", func(int64) []int64 { return nil })); err == nil ||
		!strings.Contains(err.Error(), `udf "udf_test.bad": result type []int64 has no Arrow type`) {
		t.Fatalf("err = %v", err)
	}
	if _, ok := udf.Lookup("udf_test.bad"); ok {
		t.Fatal("a function with a bad result type was registered")
	}
	defer func() {
		if recover() == nil {
			t.Fatal("MustRegister of a duplicate did not panic")
		}
	}()
	udf.MustRegister(other)
}

func TestRegisterConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for _, s := range []*udf.Scalar{fahrenheitUDF, greetUDF} {
				if err := udf.Register(s); err != nil {
					t.Error(err)
				}
				if got, ok := udf.Lookup(s.Name()); !ok || got != s {
					t.Errorf("Lookup(%s) = %v, %v", s.Name(), got, ok)
				}
				if _, err := s.Config(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
}

// csvFrame is a DataFrame over a CSV file, whose source can travel.
func csvFrame(t *testing.T, sess *frame.Session) *frame.DataFrame {
	t.Helper()
	path := filepath.Join(t.TempDir(), "cities.csv")
	data := "city,celsius,n\nOslo,-5,1\nRome,,2\nCairo,35,3\n,20,0\n"
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "city", Type: str, Nullable: true},
		{Name: "celsius", Type: f64, Nullable: true},
		{Name: "n", Type: i64, Nullable: true},
	}, nil)
	df := sess.Read().Option("header", "true").Schema(schema).CSV(path)
	if df.Err() != nil {
		t.Fatal(df.Err())
	}
	return df
}

// rowSink collects rows as text, by partition.
type rowSink struct {
	mu   sync.Mutex
	rows map[int][]string
}

func (s *rowSink) Consume(p int, b arrow.RecordBatch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for r := range int(b.NumRows()) {
		cells := make([]string, b.NumCols())
		for c, col := range b.Columns() {
			cells[c] = frame.CellString(col, r)
		}
		s.rows[p] = append(s.rows[p], strings.Join(cells, ","))
	}
	return nil
}

func (s *rowSink) Done(int) error { return nil }

func (s *rowSink) all() []string {
	var out []string
	for p := range len(s.rows) + 1 {
		out = append(out, s.rows[p]...)
	}
	return out
}

// TestPlanWithRegisteredUDFTravels encodes a DataFrame's plan that calls
// registered UDFs, decodes it as another process would, and runs the
// decoded plan.
func TestPlanWithRegisteredUDFTravels(t *testing.T) {
	ctx := context.Background()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	df := csvFrame(t, sess).
		WithColumn("f", fahrenheitUDF.Call("celsius")).
		Filter(frame.Col("f").Gt(0)).
		Select("city", "f", greetUDF.Call("city", frame.Col("n")))
	if df.Err() != nil {
		t.Fatal(df.Err())
	}
	data, err := plan.Marshal(df.Plan())
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`"kind":"udf.registered","config":{"name":"udf_test.fahrenheit","returns":"float64"}`,
		`"config":{"name":"udf_test.greet","returns":"utf8"}`,
	} {
		if !strings.Contains(string(data), want) {
			t.Fatalf("encoded plan lacks %s:\n%s", want, data)
		}
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plan.Explain(back), plan.Explain(df.Plan()); got != want {
		t.Fatalf("decoded\n%s\nwant\n%s", got, want)
	}

	sink := &rowSink{rows: map[int][]string{}}
	runner := exec.Local{Config: exec.Config{Allocator: mem}}
	if _, err := runner.RunPlan(ctx, optimize.Optimize(back), sink); err != nil {
		t.Fatal(err)
	}
	got := sink.all()
	want := []string{"Cairo,95.0,hi hi hi Cairo", "NULL,68.0,NULL", "Oslo,23.0,hi Oslo"}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("decoded plan gave %q, want %q", got, want)
	}
}

func TestUnregisteredUDFDoesNotTravel(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	df := csvFrame(t, sess)
	cases := []struct {
		name string
		fn   *udf.Scalar
	}{
		{"closure", udf.Func1("adhoc_fahrenheit", toFahrenheit)},
		// Not the registered function, though it has its name.
		{"impostor", udf.Func1("udf_test.fahrenheit", toFahrenheit)},
		{"NewScalar", udf.NewScalar("adhoc_columns", f64, nil, f64)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := plan.Marshal(df.WithColumn("f", c.fn.Call("celsius")).Plan())
			if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), `udf "`+c.fn.Name()+`"`) {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestDecodeUnregisteredUDF(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	data, err := plan.Marshal(csvFrame(t, sess).WithColumn("f", fahrenheitUDF.Call("celsius")).Plan())
	if err != nil {
		t.Fatal(err)
	}
	// As a process that registered no such function would see it.
	missing := strings.ReplaceAll(string(data), `"udf_test.fahrenheit"`, `"udf_test.elsewhere"`)
	_, err = plan.Unmarshal([]byte(missing))
	if !errors.Is(err, udf.ErrNotRegistered) || !strings.Contains(err.Error(), `"udf_test.elsewhere" is not registered in this process`) {
		t.Fatalf("err = %v", err)
	}
	// A process whose function of that name returns something else.
	changed := strings.Replace(string(data), `"returns":"float64"`, `"returns":"int64"`, 1)
	_, err = plan.Unmarshal([]byte(changed))
	if err == nil || !strings.Contains(err.Error(), `udf "udf_test.fahrenheit" returns float64 in this process, but int64 in the plan's`) {
		t.Fatalf("err = %v", err)
	}
}
