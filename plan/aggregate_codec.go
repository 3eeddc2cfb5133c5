package plan

import (
	"slices"
	"strings"
)

// An aggregate's wire form: op is the function's name (with "_distinct"
// appended for a DISTINCT aggregate, so that a build that does not know
// DISTINCT refuses it instead of counting duplicates), name its column,
// children its column argument, exprs the further columns of
// count(DISTINCT a, b) and keys its constant parameters.

const distinctSuffix = "_distinct"

func encodeAggExpr(a AggExpr) (*encoded, error) {
	x := &encoded{Op: a.Func.String(), Name: a.Name}
	if a.Distinct {
		x.Op += distinctSuffix
	}
	var err error
	if a.Arg != nil {
		arg, err := encodeExpr(a.Arg)
		if err != nil {
			return nil, err
		}
		x.Children = []*encoded{arg}
	}
	if x.Exprs, err = mapAll(a.More, encodeExpr); err != nil {
		return nil, err
	}
	if x.Keys, err = mapAll(a.Params, encodeExpr); err != nil {
		return nil, err
	}
	return x, nil
}

func decodeAggExpr(x *encoded) (AggExpr, error) {
	// approx_count_distinct ends with the suffix too: a name the table
	// holds is never DISTINCT.
	op, distinct := x.Op, false
	if !slices.Contains(aggFuncNames[:], op) {
		op, distinct = strings.CutSuffix(op, distinctSuffix)
	}
	fn, err := lookup[AggFunc](aggFuncNames[:], op, "aggregate")
	if err != nil {
		return AggExpr{}, err
	}
	a := AggExpr{Func: fn, Name: x.Name, Distinct: distinct}
	if len(x.Children) == 1 {
		if a.Arg, err = decodeExpr(x.Children[0]); err != nil {
			return AggExpr{}, err
		}
	}
	if a.More, err = mapAll(x.Exprs, decodeExpr); err != nil {
		return AggExpr{}, err
	}
	if a.Params, err = mapAll(x.Keys, decodeExpr); err != nil {
		return AggExpr{}, err
	}
	return a, nil
}
