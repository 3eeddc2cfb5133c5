package plan

import (
	"context"
	"errors"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// exprSchema has one column of each type the resolution tests need.
var exprSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i8", Type: arrow.PrimitiveTypes.Int8, Nullable: true},
	{Name: "i32", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "i64", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "u8", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "u64", Type: arrow.PrimitiveTypes.Uint64, Nullable: true},
	{Name: "f32", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "f64", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
	{Name: "d", Type: arrow.FixedWidthTypes.Date32, Nullable: true},
	{Name: "l", Type: arrow.ListOf(arrow.PrimitiveTypes.Int64), Nullable: true},
}, nil)

// resolveCase is one row of an expression resolution table: the resolved
// expression's text and type, or the sentinel its error must wrap.
type resolveCase struct {
	name     string
	expr     Expr
	wantText string
	wantType arrow.DataType
	wantErr  error
}

func runResolveCases(t *testing.T, in *arrow.Schema, cases []resolveCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.expr.Resolve(in)
			if c.wantErr != nil {
				if !errors.Is(err, c.wantErr) {
					t.Fatalf("Resolve(%s): error %v, want one wrapping %v", c.expr, err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve(%s): %v", c.expr, err)
			}
			if !arrow.TypeEqual(got.Type(), c.wantType) {
				t.Errorf("Resolve(%s).Type() = %s, want %s", c.expr, got.Type(), c.wantType)
			}
			if c.wantText != "" && got.String() != c.wantText {
				t.Errorf("Resolve(%s) = %s, want %s", c.expr, got, c.wantText)
			}
			// Resolving a resolved expression again changes nothing: the
			// optimizer re-resolves expressions whenever it rebuilds a node.
			again, err := got.Resolve(in)
			if err != nil {
				t.Fatalf("re-resolving %s: %v", got, err)
			}
			if again.String() != got.String() || !arrow.TypeEqual(again.Type(), got.Type()) {
				t.Errorf("re-resolving %s (%s) gave %s (%s)", got, got.Type(), again, again.Type())
			}
		})
	}
}

func mustResolve(t *testing.T, e Expr, in *arrow.Schema) Expr {
	t.Helper()
	r, err := e.Resolve(in)
	if err != nil {
		t.Fatalf("Resolve(%s): %v", e, err)
	}
	return r
}

// mustBuild returns n, panicking on err: for building the plans that
// tests start from, where an error is a broken test.
func mustBuild[N any](n N, err error) N {
	if err != nil {
		panic(err)
	}
	return n
}

// testFunc is a user-defined function for resolution tests: it returns
// float64 and refuses string arguments.
type testFunc struct{}

func (testFunc) Name() string { return "model" }
func (testFunc) ReturnType(args []arrow.DataType) (arrow.DataType, error) {
	for _, a := range args {
		if a.ID() == arrow.STRING {
			return nil, errors.New("strings are not supported")
		}
	}
	return arrow.PrimitiveTypes.Float64, nil
}
func (testFunc) Invoke(context.Context, []arrow.Array, int) (arrow.Array, error) {
	return nil, errors.New("not called in plan tests")
}

// nodeSchema is the schema of testScan.
var nodeSchema = arrow.NewSchema([]arrow.Field{
	{Name: "a", Type: arrow.PrimitiveTypes.Int64},
	{Name: "b", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
}, nil)

// testScan is a scan of an empty in-memory source with nodeSchema.
func testScan(t *testing.T) *Scan {
	t.Helper()
	src, err := NewMemorySource(nodeSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Scan{Source: src}
}
