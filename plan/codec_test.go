package plan_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// fileSource stands for a format's source in these tests: portable, with
// its schema as config.
type fileSource struct {
	Path   string              `json:"path"`
	Fields []plan.EncodedField `json:"fields"`
}

func (f *fileSource) String() string { return "file " + f.Path }
func (f *fileSource) Schema() *arrow.Schema {
	s, err := plan.DecodeSchema(f.Fields)
	if err != nil {
		panic(err)
	}
	return s
}
func (f *fileSource) Partitions() int { return 1 }
func (f *fileSource) Open(context.Context, int, plan.ScanOptions) (plan.BatchReader, error) {
	return nil, errors.New("not readable")
}
func (f *fileSource) Kind() string                     { return "test-file" }
func (f *fileSource) Config() (json.RawMessage, error) { return json.Marshal(f) }

type portableFunc struct{ Scale float64 }

func (p *portableFunc) Name() string { return "scale" }
func (p *portableFunc) ReturnType([]arrow.DataType) (arrow.DataType, error) {
	return arrow.PrimitiveTypes.Float64, nil
}
func (p *portableFunc) Invoke(context.Context, []arrow.Array, int) (arrow.Array, error) {
	return nil, errors.New("not run here")
}
func (p *portableFunc) Kind() string                     { return "test-scale" }
func (p *portableFunc) Config() (json.RawMessage, error) { return json.Marshal(p) }

func init() {
	plan.RegisterSource("test-file", func(raw json.RawMessage) (plan.Source, error) {
		var f fileSource
		return &f, json.Unmarshal(raw, &f)
	})
	plan.RegisterFunctionKind("test-scale", func(raw json.RawMessage) (plan.ScalarFunction, error) {
		var p portableFunc
		return &p, json.Unmarshal(raw, &p)
	})
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestPlanRoundTrip(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "x", Type: arrow.PrimitiveTypes.Float32},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "ts", Type: &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "u", Type: arrow.PrimitiveTypes.Uint64},
	}, nil)
	scan := &plan.Scan{Source: &fileSource{Path: "/data/in", Fields: plan.EncodeSchema(schema)}}
	col := plan.Col
	project := must(plan.NewProject(scan,
		col("id"),
		&plan.Alias{Child: plan.NewBinary(plan.OpMul, col("x"), plan.Lit(2)), Name: "x2"},
		&plan.Alias{Child: plan.NewBinary(plan.OpDiv, col("id"), plan.Lit(int64(math.MaxInt64))), Name: "ratio"},
		&plan.Alias{Child: &plan.Cast{Child: col("s"), To: arrow.PrimitiveTypes.Int32}, Name: "n"},
		&plan.Alias{Child: &plan.CaseWhen{Branches: []plan.When{{Cond: plan.NewUnary(plan.OpIsNull, col("s")), Value: plan.Lit("none")}},
			Else: plan.NewUnary(plan.OpUpper, col("s"))}, Name: "label"},
		&plan.Alias{Child: &plan.Concat{Args: []plan.Expr{plan.Lit("#"), col("id")}}, Name: "tag"},
		&plan.Alias{Child: &plan.MonotonicID{}, Name: "row"},
		&plan.Alias{Child: &plan.Call{Fn: &portableFunc{Scale: 0.5}, Args: []plan.Expr{col("x")}}, Name: "scaled"},
		&plan.Alias{Child: plan.NewBinary(plan.OpGt, col("ts"), plan.Lit(time.Date(2024, 1, 2, 3, 4, 5, 6000, time.UTC))), Name: "late"},
		&plan.Alias{Child: plan.NewBinary(plan.OpLt, col("u"), plan.Lit(uint64(math.MaxUint64))), Name: "small"},
		&plan.Alias{Child: plan.Lit(math.Inf(-1)), Name: "neg_inf"},
		&plan.Alias{Child: plan.Lit([]byte{0, 1, 2}), Name: "raw"},
		&plan.Alias{Child: plan.Lit(nil), Name: "nothing"},
		&plan.Alias{Child: plan.NewBinary(plan.OpContains, col("s"), plan.Lit("a\"b")), Name: "has"},
	))
	filter := must(plan.NewFilter(project, plan.NewBinary(plan.OpAnd, plan.NewBinary(plan.OpGe, col("x2"), plan.Lit(1.5)),
		plan.NewUnary(plan.OpNot, col("small")))))
	agg := must(plan.NewAggregate(filter, []plan.Expr{col("label")}, []plan.AggExpr{
		{Func: plan.AggCount}, {Func: plan.AggSum, Arg: col("id")}, {Func: plan.AggAvg, Arg: col("x2"), Name: "mean"},
		{Func: plan.AggMin, Arg: col("tag")}, {Func: plan.AggMax, Arg: col("ratio")},
	}))
	sorted := must(plan.NewSort(agg, plan.SortOrder{Expr: col("count"), Descending: true}, plan.SortOrder{Expr: col("label"), NullsFirst: true}))
	repart := must(plan.NewRepartition(must(plan.NewProject(scan, col("id"))), 4, col("id")))
	union := must(plan.NewUnion(repart, &plan.Coalesce{Input: repart, N: 2}))
	plans := map[string]plan.Node{
		"project":   project,
		"aggregate": &plan.Limit{Input: sorted, N: 10},
		"union":     &plan.Distinct{Input: union},
	}
	for name, p := range plans {
		t.Run(name, func(t *testing.T) {
			data, err := plan.Marshal(p)
			if err != nil {
				t.Fatal(err)
			}
			back, err := plan.Unmarshal(data)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if got, want := plan.Explain(back), plan.Explain(p); got != want {
				t.Fatalf("round trip changed the plan:\n%s\nwant\n%s", got, want)
			}
			if !back.Schema().Equal(p.Schema()) {
				t.Fatalf("schema %s, want %s", back.Schema(), p.Schema())
			}
		})
	}
}

func TestMarshalRefusesClosures(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	mem := must(plan.NewMemorySource(schema, nil))
	scan := &plan.Scan{Source: &fileSource{Path: "p", Fields: plan.EncodeSchema(schema)}}
	mapped := &plan.MapBatches{Input: scan, Name: "main.clean", OutSchema: schema}
	closure := must(plan.NewProject(scan, &plan.Call{Fn: closureFunc{}, Args: []plan.Expr{plan.Col("a")}}))
	for _, c := range []struct {
		node plan.Node
		want string
	}{
		{&plan.Scan{Source: mem}, "source memory"},
		{mapped, "MapBatches main.clean"},
		{closure, "function closure"},
	} {
		_, err := plan.Marshal(c.node)
		if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("err = %v, want one naming %q", err, c.want)
		}
	}
}

type closureFunc struct{}

func (closureFunc) Name() string { return "closure" }
func (closureFunc) ReturnType([]arrow.DataType) (arrow.DataType, error) {
	return arrow.PrimitiveTypes.Int64, nil
}
func (closureFunc) Invoke(context.Context, []arrow.Array, int) (arrow.Array, error) { return nil, nil }
