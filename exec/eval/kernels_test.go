package eval

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

var evalSchema = arrow.NewSchema([]arrow.Field{
	{Name: "i", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "j", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "u", Type: arrow.PrimitiveTypes.Uint8, Nullable: true},
	{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
	{Name: "g", Type: arrow.PrimitiveTypes.Float32, Nullable: true},
	{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "b", Type: arrow.FixedWidthTypes.Boolean, Nullable: true},
}, nil)

const evalRows = `[
	{"i": 7,    "j": 2,    "u": 7,    "f": 7.5,  "g": 1.5,  "s": "Abc", "b": true},
	{"i": -7,   "j": 0,    "u": 0,    "f": 0,    "g": 0,    "s": "",    "b": false},
	{"i": null, "j": 3,    "u": 3,    "f": -1,   "g": null, "s": null,  "b": null},
	{"i": 0,    "j": null, "u": null, "f": null, "g": -2,   "s": "é",   "b": true}
]`

// evaluate resolves e against evalSchema and evaluates it over evalRows.
func evaluate(t *testing.T, mem memory.Allocator, e plan.Expr) []string {
	t.Helper()
	b, _, err := array.RecordFromJSON(mem, evalSchema, strings.NewReader(evalRows))
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	r, err := e.Resolve(evalSchema)
	if err != nil {
		t.Fatal(err)
	}
	ev := New(context.Background(), mem, 0)
	out, err := ev.Array(r, b)
	if err != nil {
		t.Fatalf("%s: %v", r, err)
	}
	defer out.Release()
	if !arrow.TypeEqual(out.DataType(), r.Type()) {
		t.Errorf("%s evaluated to %s, resolved as %s", r, out.DataType(), r.Type())
	}
	got := make([]string, out.Len())
	for i := range got {
		if out.IsNull(i) {
			got[i] = "NULL"
		} else {
			got[i] = string(AppendValue(nil, out, i))
		}
	}
	return got
}

func TestEvaluate(t *testing.T) {
	col, lit, bin, un := plan.Col, plan.Lit, plan.NewBinary, plan.NewUnary
	cases := []struct {
		name string
		expr plan.Expr
		want string // values joined by ","
	}{
		// Division and modulo by zero give NULL, as in Spark.
		{"int-div", bin(plan.OpDiv, col("i"), col("j")), "3.5,NULL,NULL,NULL"},
		{"int-div-zero-literal", bin(plan.OpDiv, col("i"), lit(0)), "NULL,NULL,NULL,NULL"},
		{"int-mod", bin(plan.OpMod, col("i"), col("j")), "1,NULL,NULL,NULL"},
		{"int-mod-negative", bin(plan.OpMod, col("i"), lit(4)), "3,-3,NULL,0"},
		{"uint-mod", bin(plan.OpMod, col("u"), col("u")), "0,NULL,0,NULL"},
		{"float-div-zero", bin(plan.OpDiv, col("f"), col("f")), "1.0,NULL,1.0,NULL"},
		{"float-mod", bin(plan.OpMod, col("f"), lit(2)), "1.5,0.0,-1.0,NULL"},
		{"float32-div", bin(plan.OpDiv, col("g"), col("g")), "1.0,NULL,NULL,1.0"},
		{"float32-mod-zero", bin(plan.OpMod, col("g"), lit(0)), "NULL,NULL,NULL,NULL"},
		{"add-widened", bin(plan.OpAdd, col("j"), col("i")), "9,-7,NULL,NULL"},
		{"mul-literal", bin(plan.OpMul, col("j"), lit(3)), "6,0,9,NULL"},
		{"negate", un(plan.OpNegate, col("f")), "-7.5,-0.0,1.0,NULL"},
		// Three-valued logic.
		{"and-kleene", bin(plan.OpAnd, col("b"), lit(false)), "false,false,false,false"},
		{"or-kleene", bin(plan.OpOr, col("b"), lit(true)), "true,true,true,true"},
		{"and-null", bin(plan.OpAnd, col("b"), lit(nil)), "NULL,false,NULL,NULL"},
		{"not", un(plan.OpNot, col("b")), "false,true,NULL,false"},
		{"isnull", un(plan.OpIsNull, col("s")), "false,false,true,false"},
		{"isnotnull", un(plan.OpIsNotNull, col("i")), "true,true,false,true"},
		{"compare-null", bin(plan.OpGt, col("i"), lit(0)), "true,false,NULL,false"},
		{"compare-widened", bin(plan.OpGt, col("j"), lit(2.5)), "false,false,true,NULL"},
		{"string-eq", bin(plan.OpEq, col("s"), lit("")), "false,true,NULL,false"},
		{"upper", un(plan.OpUpper, col("s")), "ABC,,NULL,É"},
		{"lower", un(plan.OpLower, col("s")), "abc,,NULL,é"},
		{"length-in-characters", un(plan.OpLength, col("s")), "3,0,NULL,1"},
		{"contains", bin(plan.OpContains, col("s"), lit("b")), "true,false,NULL,false"},
		{"concat-null-is-null", &plan.Concat{Args: []plan.Expr{col("s"), lit("-"), col("i")}}, "Abc-7,--7,NULL,é-0"},
		{"concat-float", &plan.Concat{Args: []plan.Expr{col("f")}}, "7.5,0.0,-1.0,NULL"},
		{"case-when", &plan.CaseWhen{Branches: []plan.When{
			{Cond: bin(plan.OpGt, col("i"), lit(0)), Value: lit("pos")},
			{Cond: col("b"), Value: lit("flag")},
		}, Else: col("s")}, "pos,,NULL,flag"},
		{"case-when-no-else", &plan.CaseWhen{Branches: []plan.When{{Cond: col("b"), Value: col("j")}}}, "2,NULL,NULL,NULL"},
		{"cast-float-to-int-truncates", &plan.Cast{Child: col("f"), To: arrow.PrimitiveTypes.Int32}, "7,0,-1,NULL"},
		{"literal-broadcast", &plan.Alias{Child: lit(1.5), Name: "x"}, "1.5,1.5,1.5,1.5"},
		{"null-literal", &plan.Cast{Child: lit(nil), To: arrow.PrimitiveTypes.Int64}, "NULL,NULL,NULL,NULL"},
		{"monotonic-id", &plan.MonotonicID{}, "0,1,2,3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedAlloc(t)
			if got := strings.Join(evaluate(t, mem, c.expr), ","); got != c.want {
				t.Fatalf("%s = %s, want %s", c.expr, got, c.want)
			}
		})
	}
}

func TestDivideDirect(t *testing.T) {
	mem := checkedAlloc(t)
	cases := []struct {
		typ    arrow.DataType
		l, r   string
		op     plan.BinaryOp
		wanted string
	}{
		{arrow.PrimitiveTypes.Int64, `[7, 7, null, -9223372036854775808]`, `[2, 0, 1, -1]`, plan.OpDiv, "3,NULL,NULL,-9223372036854775808"},
		{arrow.PrimitiveTypes.Int64, `[7, 7, null, -9223372036854775808]`, `[2, 0, 1, -1]`, plan.OpMod, "1,NULL,NULL,0"},
		{arrow.PrimitiveTypes.Int8, `[-128, 5]`, `[-1, 0]`, plan.OpDiv, "-128,NULL"},
		{arrow.PrimitiveTypes.Uint16, `[7, 9]`, `[0, 4]`, plan.OpMod, "NULL,1"},
		{arrow.PrimitiveTypes.Float64, `[1, -1, 0]`, `[0, 0, 0]`, plan.OpDiv, "NULL,NULL,NULL"},
	}
	for _, c := range cases {
		l := arrayFromJSON(t, mem, c.typ, c.l)
		r := arrayFromJSON(t, mem, c.typ, c.r)
		out, err := divide(mem, c.op, l, r)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := 0; i < out.Len(); i++ {
			if out.IsNull(i) {
				got = append(got, "NULL")
			} else {
				got = append(got, string(AppendValue(nil, out, i)))
			}
		}
		if strings.Join(got, ",") != c.wanted {
			t.Errorf("%s %s %s (%s) = %v, want %s", c.l, c.op, c.r, c.typ, got, c.wanted)
		}
		if !arrow.TypeEqual(out.DataType(), c.typ) {
			t.Errorf("result type %s", out.DataType())
		}
		l.Release()
		r.Release()
		out.Release()
	}
	s := arrayFromJSON(t, mem, arrow.BinaryTypes.String, `["a"]`)
	defer s.Release()
	if _, err := divide(mem, plan.OpDiv, s, s); err == nil {
		t.Error("dividing strings succeeded")
	}
}
