package plan

import (
	"encoding/json"
	"fmt"
)

func lookup[T ~int](names []string, name, what string) (T, error) {
	for i, n := range names {
		if n == name {
			return T(i), nil
		}
	}
	return 0, fmt.Errorf("plan: decoding: unknown %s %q", what, name)
}

func decodeNode(e *encoded) (Node, error) {
	inputs, err := mapAll(e.Inputs, decodeNode)
	if err != nil {
		return nil, err
	}
	input := func() (Node, error) {
		if len(inputs) != 1 {
			return nil, fmt.Errorf("plan: decoding: %s has %d inputs, want 1", e.Op, len(inputs))
		}
		return inputs[0], nil
	}
	exprs, err := mapAll(e.Exprs, decodeExpr)
	if err != nil {
		return nil, err
	}
	keys, err := mapAll(e.Keys, decodeExpr)
	if err != nil {
		return nil, err
	}
	if e.Op == "scan" {
		src, err := DecodeSource(e.Kind, e.Config)
		if err != nil {
			return nil, err
		}
		return &Scan{Source: src}, nil
	}
	if e.Op == "union" {
		if len(inputs) == 0 {
			return nil, fmt.Errorf("plan: decoding: union without inputs")
		}
		return NewUnion(inputs...)
	}
	if e.Op == "join" {
		return decodeJoin(e, inputs, exprs, keys)
	}
	if e.Op == "window" {
		return decodeWindow(e, inputs, exprs, keys)
	}
	in, err := input()
	if err != nil {
		return nil, err
	}
	switch e.Op {
	case "hint":
		if e.Name == AliasHint {
			return NewAlias(in, e.Kind)
		}
		return NewHint(in, e.Name)
	case "project":
		return NewProject(in, exprs...)
	case "evaluate":
		call, ok := firstExpr(exprs).(*BatchCall)
		if !ok {
			return nil, fmt.Errorf("plan: decoding: evaluate needs one batch call")
		}
		return NewEvaluate(in, call, e.Name)
	case "filter":
		if len(exprs) != 1 {
			return nil, fmt.Errorf("plan: decoding: filter needs one condition")
		}
		return NewFilter(in, exprs[0])
	case "limit":
		return &Limit{Input: in, N: e.N}, nil
	case "repartition":
		return NewRepartition(in, int(e.N), keys...)
	case "coalesce":
		return &Coalesce{Input: in, N: int(e.N)}, nil
	case "generate":
		return decodeGenerate(e, in, exprs)
	case "distinct":
		return NewDistinct(in)
	case "sort":
		if len(e.Flags) != 2*len(keys) {
			return nil, fmt.Errorf("plan: decoding: sort flags do not match its keys")
		}
		orders := make([]SortOrder, len(keys))
		for i, k := range keys {
			orders[i] = SortOrder{Expr: k, Descending: e.Flags[2*i], NullsFirst: e.Flags[2*i+1]}
		}
		return NewSort(in, orders...)
	case "aggregate":
		aggs, err := mapAll(e.Aggs, decodeAggExpr)
		if err != nil {
			return nil, err
		}
		return NewAggregate(in, keys, aggs)
	case "write":
		decode, ok := formats.Get(e.Kind)
		if !ok {
			return nil, fmt.Errorf("plan: decoding: no file format %q registered (import its io package)", e.Kind)
		}
		f, err := decode(e.Config)
		if err != nil {
			return nil, err
		}
		mode, err := lookup[SaveMode]([]string{"ErrorIfExists", "Overwrite", "Append", "Ignore"}, e.Mode, "save mode")
		if err != nil {
			return nil, err
		}
		w := &Write{Input: in, Format: f, Path: e.Path, Mode: mode, Job: e.Name, NoSync: len(e.Flags) > 0 && e.Flags[0]}
		for _, k := range e.Keys {
			w.PartitionBy = append(w.PartitionBy, k.Name)
		}
		return w, w.CheckPartitionBy()
	}
	return nil, fmt.Errorf("plan: decoding: unknown node %q", e.Op)
}

func decodeExpr(e *encoded) (Expr, error) {
	children, err := mapAll(e.Children, decodeExpr)
	if err != nil {
		return nil, err
	}
	arity := func(n int) error {
		if len(children) != n {
			return fmt.Errorf("plan: decoding: %s has %d operands, want %d", e.Op, len(children), n)
		}
		return nil
	}
	switch e.Op {
	case "col":
		return &Column{Name: e.Name, PlanID: e.N}, nil
	case "lit":
		t, err := decodeType(e.Type, e.Arrow)
		if err != nil {
			return nil, err
		}
		v, err := decodeValue(e.Value, t)
		if err != nil {
			return nil, fmt.Errorf("plan: decoding literal: %w", err)
		}
		return TypedLit(v, t), nil
	case "alias":
		if err := arity(1); err != nil {
			return nil, err
		}
		return &Alias{Child: children[0], Name: e.Name}, nil
	case "binary":
		op, err := lookup[BinaryOp](binarySymbols[:], e.Name, "operator")
		if err != nil {
			return nil, err
		}
		if err := arity(2); err != nil {
			return nil, err
		}
		return NewBinary(op, children[0], children[1]), nil
	case "unary":
		op, err := lookup[UnaryOp](unaryNames[:], e.Name, "operator")
		if err != nil {
			return nil, err
		}
		if err := arity(1); err != nil {
			return nil, err
		}
		return NewUnary(op, children[0]), nil
	case "cast":
		t, err := decodeType(e.Type, e.Arrow)
		if err != nil {
			return nil, err
		}
		if err := arity(1); err != nil {
			return nil, err
		}
		return &Cast{Child: children[0], To: t}, nil
	case "case":
		if len(children) != int(2*e.N) && len(children) != int(2*e.N+1) {
			return nil, fmt.Errorf("plan: decoding: case has %d children for %d branches", len(children), e.N)
		}
		c := &CaseWhen{}
		for i := 0; i < int(e.N); i++ {
			c.Branches = append(c.Branches, When{Cond: children[2*i], Value: children[2*i+1]})
		}
		if len(children) == int(2*e.N+1) {
			c.Else = children[len(children)-1]
		}
		return c, nil
	case "concat":
		return &Concat{Args: children}, nil
	case "monotonic_id":
		return &MonotonicID{}, nil
	case "field":
		if len(children) != 1 {
			return nil, fmt.Errorf("plan: decoding: field needs one child")
		}
		return &GetField{Child: children[0], Name: e.Name}, nil
	case "fn":
		return NewBuiltin(e.Name, children...)
	case "call":
		decode, ok := functions.Get(e.Kind)
		if !ok {
			return nil, fmt.Errorf("plan: decoding: no function kind %q registered for %s", e.Kind, e.Name)
		}
		fn, err := decode(e.Config)
		if err != nil {
			return nil, err
		}
		return &Call{Fn: fn, Args: children}, nil
	case "batch_call":
		return decodeBatchCall(e, children)
	}
	return nil, fmt.Errorf("plan: decoding: unknown expression %q", e.Op)
}

func firstExpr(exprs []Expr) Expr {
	if len(exprs) != 1 {
		return nil
	}
	return exprs[0]
}

func decodeBatchCall(e *encoded, args []Expr) (Expr, error) {
	decode, ok := batchFns.Get(e.Kind)
	if !ok {
		return nil, fmt.Errorf("plan: decoding: no batch function kind %q registered for %s", e.Kind, e.Name)
	}
	fn, err := decode(e.Config)
	if err != nil {
		return nil, err
	}
	call := &BatchCall{Fn: fn, Args: args}
	if err := json.Unmarshal(e.Value, &call.Options); err != nil {
		return nil, fmt.Errorf("plan: decoding options of %s: %w", e.Name, err)
	}
	return call, nil
}
