package plan

import (
	"encoding/json"
	"fmt"
)

// windowWire is what one window expression's wire form carries beyond
// its function (Op), name and arguments (Children, then the default).
type windowWire struct {
	N          int64  `json:"n,omitempty"`
	HasDefault bool   `json:"default,omitempty"`
	IgnoreNull bool   `json:"ignore_nulls,omitempty"`
	Frame      *Frame `json:"frame,omitempty"` // the spec's, nil for the default
}

// encodeWindow fills e (whose input is encoded) for a window: the shared
// partition keys in Keys, the order keys in Exprs with their direction
// and NULLs placement in Flags (as a sort's), one entry per function in
// Aggs.
func encodeWindow(w *Window, e *encoded) error {
	e.Op = "window"
	var err error
	if e.Keys, err = mapAll(w.PartitionBy(), encodeExpr); err != nil {
		return err
	}
	for _, o := range w.OrderBy() {
		x, err := encodeExpr(o.Expr)
		if err != nil {
			return err
		}
		e.Exprs = append(e.Exprs, x)
		e.Flags = append(e.Flags, o.Descending, o.NullsFirst)
	}
	for _, x := range w.Exprs {
		args := x.Args
		if x.Default != nil {
			args = append(append([]Expr(nil), args...), x.Default)
		}
		children, err := mapAll(args, encodeExpr)
		if err != nil {
			return err
		}
		v, err := json.Marshal(windowWire{N: x.N, HasDefault: x.Default != nil, IgnoreNull: x.IgnoreNulls, Frame: x.Spec.Frame})
		if err != nil {
			return err
		}
		e.Aggs = append(e.Aggs, &encoded{Op: x.Func.String(), Name: x.Name, Children: children, Value: v})
	}
	return nil
}

// decodeWindow rebuilds a window from its wire form; orders and keys are
// its decoded Exprs and Keys.
func decodeWindow(e *encoded, inputs []Node, orders, keys []Expr) (Node, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("plan: decoding: window has %d inputs, want 1", len(inputs))
	}
	if len(e.Flags) != 2*len(orders) {
		return nil, fmt.Errorf("plan: decoding: window order flags do not match its order keys")
	}
	spec := WindowSpec{PartitionBy: keys}
	for i, o := range orders {
		spec.OrderBy = append(spec.OrderBy, SortOrder{Expr: o, Descending: e.Flags[2*i], NullsFirst: e.Flags[2*i+1]})
	}
	exprs := make([]WindowExpr, len(e.Aggs))
	for i, a := range e.Aggs {
		fn, err := lookup[WindowFunc](windowFuncNames[:], a.Op, "window function")
		if err != nil {
			return nil, err
		}
		var w windowWire
		if len(a.Value) > 0 {
			if err := json.Unmarshal(a.Value, &w); err != nil {
				return nil, fmt.Errorf("plan: decoding window function %s: %w", a.Name, err)
			}
		}
		args, err := mapAll(a.Children, decodeExpr)
		if err != nil {
			return nil, err
		}
		x := WindowExpr{Func: fn, N: w.N, IgnoreNulls: w.IgnoreNull, Name: a.Name, Spec: spec}
		x.Spec.Frame = w.Frame
		if w.HasDefault {
			if len(args) == 0 {
				return nil, fmt.Errorf("plan: decoding: window function %s has no default to decode", a.Name)
			}
			x.Default, args = args[len(args)-1], args[:len(args)-1]
		}
		x.Args = args
		exprs[i] = x
	}
	return NewWindow(inputs[0], exprs...)
}
