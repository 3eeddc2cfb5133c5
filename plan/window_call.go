package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// WindowCall is a window function over its window used as a value in a
// select list: what Spark's `rank().over(w)` and SQL's `rank() OVER (…)`
// are. It cannot be evaluated row by row; Projection moves every
// WindowCall of its expressions into Window nodes below the projection,
// which reads their columns instead. Resolved anywhere else (a filter, a
// grouping key, a plain NewProject) it fails with an error that says so.
type WindowCall struct {
	Window WindowExpr
}

// Over applies fn over spec: the WindowCall for fn (its Spec replaced).
func Over(fn WindowExpr, spec WindowSpec) *WindowCall {
	fn.Spec = spec
	return &WindowCall{Window: fn}
}

func (c *WindowCall) String() string { return c.Window.DefaultName() }

// Children implements Expr: a window call's inner expressions are its
// own, evaluated by the Window node, so rewrites of the expression around
// it leave them alone.
func (c *WindowCall) Children() []Expr         { return nil }
func (c *WindowCall) WithChildren([]Expr) Expr { return c }
func (c *WindowCall) Type() arrow.DataType     { return nil }
func (c *WindowCall) Resolve(*arrow.Schema) (Expr, error) {
	return nil, typeError("window function %s is allowed only in a select list (Select, WithColumn, a SELECT's columns): compute it there, then filter or group by its column", c.Window.Call())
}

// containsWindowCall reports whether e holds a WindowCall.
func containsWindowCall(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if _, ok := x.(*WindowCall); ok {
			found = true
		}
		return !found
	})
	return found
}

// extractWindows moves the window calls of exprs into Window nodes over
// input, one per distinct PARTITION BY/ORDER BY (in the order they first
// appear), and returns the new input and exprs reading the windows'
// columns instead. A call that is a whole aliased expression gets the
// alias as its column's name when input has no column of that name.
func extractWindows(input Node, exprs []Expr) (Node, []Expr, error) {
	has := false
	for _, e := range exprs {
		has = has || containsWindowCall(e)
	}
	if !has {
		return input, exprs, nil
	}
	in := input.Schema()
	used := map[string]bool{}
	for _, f := range in.Fields() {
		used[f.Name] = true
	}
	fresh := func() string {
		for i := 0; ; i++ {
			if name := fmt.Sprintf("_w%d", i); !used[name] {
				used[name] = true
				return name
			}
		}
	}
	type group struct {
		spec  WindowSpec // resolved, for comparing keys
		exprs []WindowExpr
	}
	var groups []*group
	var failed error
	add := func(call *WindowCall, name string) Expr {
		r, err := call.Window.resolve(in)
		if err != nil {
			failed = err
			return call
		}
		w := call.Window
		w.Name = name
		for _, g := range groups {
			if g.spec.sameKeys(r.Spec) {
				g.exprs = append(g.exprs, w)
				return Col(name)
			}
		}
		groups = append(groups, &group{spec: r.Spec, exprs: []WindowExpr{w}})
		return Col(name)
	}
	out := make([]Expr, len(exprs))
	for i, e := range exprs {
		// A call that is the whole column gets the column's name.
		name := ""
		switch x := e.(type) {
		case *Alias:
			if _, ok := x.Child.(*WindowCall); ok {
				name = x.Name
			}
		case *WindowCall:
			name = OutputName(x)
		}
		if name != "" && !used[name] {
			used[name] = true
			out[i] = add(Unalias(e).(*WindowCall), name)
			continue
		}
		out[i] = Transform(e, func(x Expr) Expr {
			if call, ok := x.(*WindowCall); ok {
				return add(call, fresh())
			}
			return x
		})
		if failed != nil {
			return nil, nil, failed
		}
		// The column keeps the name it had before the calls moved out.
		if _, ok := e.(*Alias); !ok && containsWindowCall(e) {
			out[i] = &Alias{Child: out[i], Name: OutputName(e)}
		}
	}
	if failed != nil {
		return nil, nil, failed
	}
	n := input
	for _, g := range groups {
		w, err := NewWindow(n, g.exprs...)
		if err != nil {
			return nil, nil, err
		}
		n = w
	}
	return n, out, nil
}
