package plan_test

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

var (
	ordersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "orderkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "custkey", Type: arrow.PrimitiveTypes.Int32},
	}, nil)
	customersSchema = arrow.NewSchema([]arrow.Field{
		{Name: "custkey", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String},
	}, nil)
)

func joinInputs(t *testing.T) (plan.Node, plan.Node) {
	t.Helper()
	o, err := plan.NewMemorySource(ordersSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	c, err := plan.NewMemorySource(customersSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	return &plan.Scan{Source: o}, &plan.Scan{Source: c}
}

func fieldList(s *arrow.Schema) string {
	var parts []string
	for _, f := range s.Fields() {
		n := ""
		if f.Nullable {
			n = "?"
		}
		parts = append(parts, f.Name+":"+f.Type.String()+n)
	}
	return strings.Join(parts, ", ")
}

func TestJoinSchemas(t *testing.T) {
	orders, customers := joinInputs(t)
	for _, c := range []struct {
		spec plan.JoinSpec
		want string
	}{
		{plan.JoinSpec{Type: plan.InnerJoin, Using: []string{"custkey"}}, "custkey:int32, orderkey:int64, name:utf8"},
		{plan.JoinSpec{Type: plan.LeftOuterJoin, Using: []string{"custkey"}}, "custkey:int32, orderkey:int64, name:utf8?"},
		{plan.JoinSpec{Type: plan.RightOuterJoin, Using: []string{"custkey"}}, "custkey:int64, orderkey:int64?, name:utf8"},
		{plan.JoinSpec{Type: plan.FullOuterJoin, Using: []string{"custkey"}}, "custkey:int64?, orderkey:int64?, name:utf8?"},
		{plan.JoinSpec{Type: plan.LeftSemiJoin, Using: []string{"custkey"}}, "custkey:int32, orderkey:int64"},
		{plan.JoinSpec{Type: plan.LeftAntiJoin, On: plan.NewBinary(plan.OpEq, plan.LeftCol("custkey"), plan.RightCol("custkey"))}, "orderkey:int64, custkey:int32"},
		{plan.JoinSpec{Type: plan.InnerJoin, On: plan.NewBinary(plan.OpEq, plan.LeftCol("custkey"), plan.RightCol("custkey"))}, "orderkey:int64, custkey:int32, custkey:int64, name:utf8"},
		{plan.JoinSpec{Type: plan.CrossJoin}, "orderkey:int64, custkey:int32, custkey:int64, name:utf8"},
	} {
		j, err := plan.NewJoin(orders, customers, c.spec)
		if err != nil {
			t.Fatalf("%+v: %v", c.spec, err)
		}
		if got := fieldList(j.Schema()); got != c.want {
			t.Errorf("%s: schema %s, want %s", j, got, c.want)
		}
	}
}

func TestJoinQualifiedColumns(t *testing.T) {
	orders, customers := joinInputs(t)
	const o, c = 101, 102
	cond := plan.NewBinary(plan.OpEq, plan.QualifiedCol(o, "custkey"), plan.QualifiedCol(c, "custkey"))
	j, err := plan.NewJoin(orders, customers, plan.JoinSpec{Type: plan.InnerJoin, On: cond, LeftID: o, RightID: c})
	if err != nil {
		t.Fatal(err)
	}
	keys, residual := j.EquiKeys()
	if len(keys) != 1 || residual != nil || keys[0].NullSafe {
		t.Fatalf("keys %v, residual %v", keys, residual)
	}
	// Each qualified reference finds its own input's column; the
	// unqualified one is ambiguous, naming both inputs.
	for id, want := range map[int64]arrow.DataType{o: arrow.PrimitiveTypes.Int32, c: arrow.PrimitiveTypes.Int64} {
		x, err := plan.QualifiedCol(id, "custkey").Resolve(j.Schema())
		if err != nil || !arrow.TypeEqual(x.Type(), want) {
			t.Fatalf("plan id %d: %v, %v", id, x, err)
		}
	}
	_, err = plan.Col("custkey").Resolve(j.Schema())
	if err == nil || !strings.Contains(err.Error(), `column "custkey" is ambiguous: it is a column of the left input of a join (memory [orderkey, custkey]`) ||
		!strings.Contains(err.Error(), "and of the right input of a join (memory [custkey, name]") {
		t.Fatalf("err = %v", err)
	}
	// A name one input has resolves whatever the qualifier.
	if _, err := plan.QualifiedCol(c, "orderkey").Resolve(j.Schema()); err != nil {
		t.Fatal(err)
	}
	// Joined again, the tags accumulate: orders' custkey is still found.
	_, third := joinInputs(t)
	jj, err := plan.NewJoin(j, third, plan.JoinSpec{Type: plan.LeftOuterJoin, On: plan.NewBinary(plan.OpEq, plan.QualifiedCol(o, "custkey"), plan.RightCol("custkey")), LeftID: 103, RightID: 104})
	if err != nil {
		t.Fatal(err)
	}
	if x, err := plan.QualifiedCol(o, "custkey").Resolve(jj.Schema()); err != nil || !arrow.TypeEqual(x.Type(), arrow.PrimitiveTypes.Int32) {
		t.Fatalf("%v, %v", x, err)
	}
	if _, err := plan.QualifiedCol(103, "custkey").Resolve(jj.Schema()); err == nil || !strings.Contains(err.Error(), "even qualified") {
		t.Fatalf("the left input's two custkeys: %v", err)
	}
}

func TestJoinConditions(t *testing.T) {
	orders, customers := joinInputs(t)
	eq := plan.NewBinary(plan.OpEq, plan.LeftCol("custkey"), plan.RightCol("custkey"))
	ns := plan.NewBinary(plan.OpEqNullSafe, plan.RightCol("custkey"), plan.LeftCol("orderkey"))
	lt := plan.NewBinary(plan.OpLt, plan.Col("orderkey"), plan.Lit(int64(5)))
	j, err := plan.NewJoin(orders, customers, plan.JoinSpec{Type: plan.LeftOuterJoin, On: plan.And(eq, ns, lt)})
	if err != nil {
		t.Fatal(err)
	}
	keys, residual := j.EquiKeys()
	if len(keys) != 2 || keys[0].NullSafe || !keys[1].NullSafe || keys[1].Left.String() != "orderkey" || residual.String() != "(orderkey < 5)" {
		t.Fatalf("keys %+v residual %v", keys, residual)
	}
	if got := j.String(); got != "Join left, (((CAST(custkey AS int64) = custkey) AND (custkey <=> orderkey)) AND (orderkey < 5))" {
		t.Fatal(got)
	}
	for _, c := range []struct {
		spec plan.JoinSpec
		want string
	}{
		{plan.JoinSpec{Type: plan.InnerJoin, On: plan.Col("orderkey")}, "not boolean"},
		{plan.JoinSpec{Type: plan.InnerJoin, On: plan.NewBinary(plan.OpEq, plan.Col("custkey"), plan.Lit(1))}, `"custkey" is ambiguous`},
		{plan.JoinSpec{Type: plan.InnerJoin, Using: []string{"name"}}, `join on "name": the left input`},
		{plan.JoinSpec{Type: plan.InnerJoin, Using: []string{}}, "needs at least one name"},
		{plan.JoinSpec{Type: plan.CrossJoin, On: eq}, "a cross join takes no condition"},
		{plan.JoinSpec{Type: plan.InnerJoin, On: eq, Using: []string{"custkey"}}, "not both"},
		{plan.JoinSpec{Type: plan.InnerJoin, On: plan.NewBinary(plan.OpEq, &plan.MonotonicID{}, plan.LeftCol("orderkey"))}, "numbers rows"},
	} {
		if _, err := plan.NewJoin(orders, customers, c.spec); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want %q", c.spec, err, c.want)
		}
	}
}

func TestParseJoinType(t *testing.T) {
	for how, want := range map[string]plan.JoinType{
		"inner": plan.InnerJoin, "outer": plan.FullOuterJoin, "FULL": plan.FullOuterJoin, "fullouter": plan.FullOuterJoin, "full_outer": plan.FullOuterJoin,
		"left": plan.LeftOuterJoin, "leftouter": plan.LeftOuterJoin, "left_outer": plan.LeftOuterJoin,
		"right": plan.RightOuterJoin, "rightouter": plan.RightOuterJoin, "right_outer": plan.RightOuterJoin,
		"semi": plan.LeftSemiJoin, "leftsemi": plan.LeftSemiJoin, "left_semi": plan.LeftSemiJoin,
		"anti": plan.LeftAntiJoin, "leftanti": plan.LeftAntiJoin, "left_anti": plan.LeftAntiJoin, "cross": plan.CrossJoin,
	} {
		if got, err := plan.ParseJoinType(how); err != nil || got != want {
			t.Errorf("%s: %v, %v", how, got, err)
		}
	}
	if _, err := plan.ParseJoinType("natural"); err == nil || !strings.Contains(err.Error(), "valid: inner, cross, outer") {
		t.Fatal(err)
	}
}

func TestEqNullSafeResolves(t *testing.T) {
	b, err := plan.NewBinary(plan.OpEqNullSafe, plan.Col("custkey"), plan.Lit(int64(3))).Resolve(ordersSchema)
	if err != nil || b.Type().ID() != arrow.BOOL || b.String() != "(CAST(custkey AS int64) <=> 3)" && b.String() != "(custkey <=> 3)" {
		t.Fatalf("%v, %v", b, err)
	}
}

func TestEstimatedBytes(t *testing.T) {
	orders, customers := joinInputs(t)
	if n, ok := plan.EstimatedBytes(orders); !ok || n != 0 {
		t.Fatalf("empty memory source: %d, %v", n, ok)
	}
	j, err := plan.NewJoin(orders, customers, plan.JoinSpec{Type: plan.InnerJoin, Using: []string{"custkey"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := plan.EstimatedBytes(j); !ok {
		t.Fatal("a join of estimated inputs has no estimate")
	}
	h, err := plan.NewHint(j, plan.BroadcastHint)
	if err != nil || !plan.BroadcastHinted(h) || plan.BroadcastHinted(j) {
		t.Fatal("hint not seen")
	}
	if _, err := plan.NewHint(j, "shuffle_hash"); err == nil {
		t.Fatal("unknown hint accepted")
	}
}

func TestJoinRoundTrip(t *testing.T) {
	file := func(path string, s *arrow.Schema) plan.Node {
		return &plan.Scan{Source: &fileSource{Path: path, Fields: plan.EncodeSchema(s)}}
	}
	orders, customers := file("/orders", ordersSchema), file("/customers", customersSchema)
	hinted := must(plan.NewHint(customers, plan.BroadcastHint))
	cond := plan.And(plan.NewBinary(plan.OpEqNullSafe, plan.QualifiedCol(7, "custkey"), plan.QualifiedCol(8, "custkey")),
		plan.NewBinary(plan.OpLt, plan.Col("orderkey"), plan.Lit(int64(9))))
	for _, j := range []plan.Node{
		must(plan.NewJoin(orders, hinted, plan.JoinSpec{Type: plan.LeftOuterJoin, On: cond, LeftID: 7, RightID: 8})),
		must(plan.NewJoin(orders, customers, plan.JoinSpec{Type: plan.FullOuterJoin, Using: []string{"custkey"}})),
		must(plan.NewJoin(orders, customers, plan.JoinSpec{Type: plan.CrossJoin})),
	} {
		wire, err := plan.Marshal(j)
		if err != nil {
			t.Fatal(err)
		}
		back, err := plan.Unmarshal(wire)
		if err != nil {
			t.Fatalf("%s: %v", wire, err)
		}
		if plan.Explain(back) != plan.Explain(j) || !back.Schema().Equal(j.Schema()) {
			t.Fatalf("round trip:\n%s\nbecame\n%s", plan.Explain(j), plan.Explain(back))
		}
		if again, _ := plan.Marshal(back); string(again) != string(wire) {
			t.Fatalf("wire changed:\n%s\n%s", wire, again)
		}
	}
}
