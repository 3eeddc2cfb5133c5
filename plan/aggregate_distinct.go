package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// HasDistinct reports whether one of a's aggregates is DISTINCT.
func (a *Aggregate) HasDistinct() bool {
	for _, x := range a.Aggs {
		if x.Distinct {
			return true
		}
	}
	return false
}

// RewriteDistinctAggregates plans an Aggregate whose aggregates include
// DISTINCT ones as two aggregations, as Spark's RewriteDistinctAggregates
// does, so that the distinct values are found by grouping (partial
// states, a hash exchange, a final merge that spills: the way Distinct
// runs) and never held per group:
//
//   - When every aggregate is DISTINCT over the same columns, the first
//     Aggregate groups by the keys and those columns, and the second
//     aggregates the columns per key, each value now once.
//   - Otherwise (plain aggregates beside them, or DISTINCT over different
//     columns), each row is expanded into one copy per group of
//     aggregates (a Generate over array(0, 1, …) gives the copy's group
//     id): copy 0 carries the plain aggregates' arguments, copy i the
//     columns of the i-th distinct group, the rest NULL. The first
//     Aggregate groups by the keys, the group id and the distinct
//     columns, computing the plain aggregates (over copy 0 only); the
//     second computes each distinct aggregate over its copies and picks
//     the plain results with first(…, ignoreNulls), defaulting to what
//     the aggregate gives over no rows (count's 0).
//
// A final projection gives the columns a's names. The rewrite is what the
// executor runs; the logical plan keeps the DISTINCT aggregates, so the
// plan's wire form and EXPLAIN show the query as written.
func RewriteDistinctAggregates(a *Aggregate) (Node, error) {
	in := a.Input
	used := map[string]bool{}
	for _, f := range in.Schema().Fields() {
		used[f.Name] = true
	}
	fresh := func(prefix string, i int) string {
		name := fmt.Sprintf("_%s%d", prefix, i)
		for k := 0; used[name]; k++ {
			name = fmt.Sprintf("_%s%d_%d", prefix, i, k)
		}
		used[name] = true
		return name
	}
	keyNames := make([]string, len(a.Keys))
	for i := range a.Keys {
		keyNames[i] = fresh("k", i)
	}
	// The distinct groups: the DISTINCT aggregates' column lists, in the
	// order they first appear.
	var groups []string
	groupOf := make([]int, len(a.Aggs)) // -1 for a plain aggregate
	plain := false
	for i, x := range a.Aggs {
		groupOf[i] = -1
		if !x.Distinct {
			plain = true
			continue
		}
		sig := FormatExprs(x.Columns())
		groupOf[i] = len(groups)
		for g, s := range groups {
			if s == sig {
				groupOf[i] = g
			}
		}
		if groupOf[i] == len(groups) {
			groups = append(groups, sig)
		}
	}
	colsOf := make([][]Expr, len(groups))
	for i, x := range a.Aggs {
		if g := groupOf[i]; g >= 0 && colsOf[g] == nil {
			colsOf[g] = x.Columns()
		}
	}
	distinctNames := make([][]string, len(groups))
	for g, cols := range colsOf {
		for j := range cols {
			distinctNames[g] = append(distinctNames[g], fresh(fmt.Sprintf("d%d_", g), j))
		}
	}
	keyCols := func() []Expr {
		out := make([]Expr, len(keyNames))
		for i, n := range keyNames {
			out[i] = Col(n)
		}
		return out
	}
	// distinctAgg is aggregate i of a over its group's columns, each of
	// which is NULL where mask is false; count of several columns counts
	// the rows where all of them are set.
	distinctAgg := func(i int, name string) AggExpr {
		x := a.Aggs[i]
		names := distinctNames[groupOf[i]]
		out := AggExpr{Func: x.Func, Name: name, Params: x.Params, Arg: Col(names[0])}
		if len(names) > 1 {
			var all Expr
			for _, n := range names {
				set := Expr(NewUnary(OpIsNotNull, Col(n)))
				if all == nil {
					all = set
				} else {
					all = NewBinary(OpAnd, all, set)
				}
			}
			out.Arg = &CaseWhen{Branches: []When{{Cond: all, Value: Lit(int64(1))}}}
		}
		return out
	}
	var pre []Expr
	for i, k := range a.Keys {
		pre = append(pre, &Alias{Child: k, Name: keyNames[i]})
	}
	var first, second []AggExpr
	var post []Expr
	for i := range a.Keys {
		post = append(post, &Alias{Child: Col(keyNames[i]), Name: a.schema.Field(i).Name})
	}
	var err error
	if !plain && len(groups) == 1 {
		for j, c := range colsOf[0] {
			pre = append(pre, &Alias{Child: c, Name: distinctNames[0][j]})
		}
		for i := range a.Aggs {
			name := fresh("a", i)
			second = append(second, distinctAgg(i, name))
			post = append(post, &Alias{Child: Col(name), Name: a.Aggs[i].Name})
		}
		if in, err = NewProject(in, pre...); err != nil {
			return nil, err
		}
		firstKeys := keyCols()
		for _, n := range distinctNames[0] {
			firstKeys = append(firstKeys, Col(n))
		}
		if in, err = NewAggregate(in, firstKeys, nil); err != nil {
			return nil, err
		}
	} else {
		// Expand: copy 0 for the plain aggregates, copy g+1 for distinct
		// group g.
		ids := make([]Expr, len(groups)+1)
		for g := range ids {
			ids[g] = Lit(int32(g))
		}
		idArray, err := CallFunction("array", ids...)
		if err != nil {
			return nil, err
		}
		gidName := fresh("gid", 0)
		if in, err = NewGenerate(in, GenExplode, false, idArray, []string{gidName}); err != nil {
			return nil, err
		}
		gid := Col(gidName)
		when := func(g int, v Expr) Expr {
			return &CaseWhen{Branches: []When{{Cond: NewBinary(OpEq, gid, Lit(int32(g))), Value: v}}}
		}
		pre = append(pre, Col(gidName))
		for g, cols := range colsOf {
			for j, c := range cols {
				pre = append(pre, &Alias{Child: when(g+1, c), Name: distinctNames[g][j]})
			}
		}
		firstKeys := append(keyCols(), gid)
		for _, names := range distinctNames {
			for _, n := range names {
				firstKeys = append(firstKeys, Col(n))
			}
		}
		for i, x := range a.Aggs {
			name := fresh("a", i)
			out := Expr(Col(name))
			if x.Distinct {
				second = append(second, distinctAgg(i, name))
			} else {
				arg := Expr(Lit(int64(1))) // count(*) counts copy 0's rows
				if x.Arg != nil {
					arg = x.Arg
				}
				argName, resName := fresh("p", i), fresh("r", i)
				pre = append(pre, &Alias{Child: when(0, arg), Name: argName})
				first = append(first, AggExpr{Func: x.Func, Arg: Col(argName), Name: resName, Params: x.Params})
				second = append(second, AggExpr{Func: AggFirst, Arg: when(0, Col(resName)), Name: name, Params: []Expr{Lit(true)}})
				if def := emptyResult(x.Func); def != nil {
					out, err = CallFunction("coalesce", out, def)
					if err != nil {
						return nil, err
					}
				}
			}
			post = append(post, &Alias{Child: out, Name: x.Name})
		}
		if in, err = NewProject(in, pre...); err != nil {
			return nil, err
		}
		if in, err = NewAggregate(in, firstKeys, first); err != nil {
			return nil, err
		}
	}
	if in, err = NewAggregate(in, keyCols(), second); err != nil {
		return nil, err
	}
	out, err := NewProject(in, post...)
	if err != nil {
		return nil, err
	}
	if !sameFieldTypes(out.Schema(), a.schema) {
		return nil, fmt.Errorf("plan: rewriting %s: the rewritten aggregate has the schema %s, want %s", a, out.Schema(), a.schema)
	}
	return out, nil
}

// emptyResult is what a plain aggregate gives over no rows when that is
// not NULL, or nil.
func emptyResult(fn AggFunc) Expr {
	switch fn {
	case AggCount, AggApproxCountDistinct:
		return Lit(int64(0))
	}
	return nil
}

// sameFieldTypes reports whether a and b have the same column names and
// types (nullability aside).
func sameFieldTypes(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.Fields() {
		fa, fb := a.Field(i), b.Field(i)
		if fa.Name != fb.Name || !arrow.TypeEqual(fa.Type, fb.Type) {
			return false
		}
	}
	return true
}
