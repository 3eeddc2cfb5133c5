package plan

import (
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/apache/arrow-go/v18/arrow"
)

// Evaluate runs one BatchCall over its input and appends the result as the
// column Name (and, when the call names one, its error column). It keeps
// rows one for one, except that the DeadLetter policy drops failed rows.
type Evaluate struct {
	Input  Node
	Call   *BatchCall
	Name   string
	schema *arrow.Schema
}

// NewEvaluate resolves call against the input's schema.
func NewEvaluate(input Node, call *BatchCall, name string) (*Evaluate, error) {
	r, err := call.Resolve(input.Schema())
	if err != nil {
		return nil, err
	}
	resolved := r.(*BatchCall)
	fields := append(slices.Clone(input.Schema().Fields()), arrow.Field{Name: name, Type: resolved.Type(), Nullable: true})
	if c := resolved.Options.ErrorColumn; c != "" && !sharesErrorColumn(input.Schema(), c) {
		fields = append(fields, arrow.Field{Name: c, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	seen := map[string]bool{}
	for _, f := range fields {
		if seen[f.Name] {
			return nil, fmt.Errorf("plan: %s: duplicate column name %q", resolved.Fn.Name(), f.Name)
		}
		seen[f.Name] = true
	}
	return &Evaluate{Input: input, Call: resolved, Name: name, schema: arrow.NewSchema(fields, nil)}, nil
}

func (e *Evaluate) Schema() *arrow.Schema { return e.schema }
func (e *Evaluate) Children() []Node      { return []Node{e.Input} }
func (e *Evaluate) String() string {
	s := fmt.Sprintf("Evaluate %s AS %s", e.Call, e.Name)
	if o := e.Call.Options; o.OnError != FailFast {
		s += " on error " + o.OnError.String()
	}
	return s
}

// WithChildren implements Node.
func (e *Evaluate) WithChildren(c []Node) (Node, error) {
	if sameSchema(e.Input.Schema(), c[0].Schema()) {
		return &Evaluate{Input: c[0], Call: e.Call, Name: e.Name, schema: e.schema}, nil
	}
	return NewEvaluate(c[0], e.Call, e.Name)
}

// Outputs are the columns Evaluate adds to its input's.
func (e *Evaluate) Outputs() []string {
	if c := e.Call.Options.ErrorColumn; c != "" && !e.SharesErrorColumn() {
		return []string{e.Name, c}
	}
	return []string{e.Name}
}

// SharesErrorColumn reports whether the call's error column is already in
// the input, written by a call that computes one of this call's arguments
// (an image decoded for a model): the column keeps that call's error for
// its failed rows and gets this call's for the others.
func (e *Evaluate) SharesErrorColumn() bool {
	c := e.Call.Options.ErrorColumn
	return c != "" && sharesErrorColumn(e.Input.Schema(), c)
}

func sharesErrorColumn(in *arrow.Schema, name string) bool {
	idx := in.FieldIndices(name)
	return len(idx) == 1 && arrow.TypeEqual(in.Field(idx[0]).Type, arrow.BinaryTypes.String)
}

// inheritPolicy gives the batch calls nested in e's arguments e's error
// policy when they have none of their own (FailFast): a failure to
// pre-process a row (decode its image) is then handled as the model's
// failure on it, and under SetNull both write the same error column.
func inheritPolicy(e Expr) Expr {
	call, ok := e.(*BatchCall)
	if !ok || call.Options.OnError == FailFast {
		if len(e.Children()) == 0 {
			return e
		}
		return e.WithChildren(mapExprs(e.Children(), inheritPolicy))
	}
	args := mapExprs(call.Args, func(a Expr) Expr {
		return Transform(a, func(x Expr) Expr {
			inner, ok := x.(*BatchCall)
			if !ok || inner.Options.OnError != FailFast {
				return x
			}
			c := *inner
			c.Options.OnError = call.Options.OnError
			c.Options.ErrorColumn = call.Options.ErrorColumn
			c.Options.DeadLetterDir = call.Options.DeadLetterDir
			return &c
		})
	})
	out := *call
	out.Args = mapExprs(args, inheritPolicy)
	return &out
}

func mapExprs(xs []Expr, fn func(Expr) Expr) []Expr {
	if len(xs) == 0 {
		return xs
	}
	out := make([]Expr, len(xs))
	for i, x := range xs {
		out[i] = fn(x)
	}
	return out
}

// Projection builds Project(exprs) over input. Window calls in exprs
// first move into Window nodes below the projection (see WindowCall);
// batch calls (models) move into Evaluate nodes, innermost first; the
// projection reads their results. An error column a call names follows
// the expression that holds the call.
func Projection(input Node, exprs ...Expr) (Node, error) {
	input, exprs, err := extractWindows(input, exprs)
	if err != nil {
		return nil, err
	}
	if input, exprs, err = extractGenerators(input, exprs); err != nil {
		return nil, err
	}
	below, rewritten, errorColumns, err := extractCalls(input, exprs)
	if err != nil {
		return nil, err
	}
	if len(errorColumns) == 0 {
		return NewProject(below, rewritten...)
	}
	var out []Expr
	for i, e := range rewritten {
		out = append(out, e)
		for _, c := range errorColumns[i] {
			out = append(out, Col(c))
		}
	}
	return NewProject(below, out...)
}

// Selection builds Filter(cond) over input, moving batch calls in cond
// into Evaluate nodes below it and dropping their columns above it.
func Selection(input Node, cond Expr) (Node, error) {
	below, rewritten, _, err := extractCalls(input, []Expr{cond})
	if err != nil {
		return nil, err
	}
	f, err := NewFilter(below, rewritten[0])
	if err != nil || below == input {
		return f, err
	}
	keep := make([]Expr, input.Schema().NumFields())
	for i, fld := range input.Schema().Fields() {
		keep[i] = Col(fld.Name)
	}
	return NewProject(f, keep...)
}

// extractCalls resolves exprs against input and moves every BatchCall in
// them into an Evaluate node, returning the new input, the expressions
// reading the calls' columns instead, and per expression the error columns
// its calls add.
func extractCalls(input Node, exprs []Expr) (Node, []Expr, [][]string, error) {
	resolved, err := resolveAll(exprs, input.Schema())
	if err != nil {
		return nil, nil, nil, err
	}
	n := input
	errorColumns := make([][]string, len(exprs))
	for i, e := range resolved {
		e = inheritPolicy(e)
		var failed error
		// lift moves the calls in x into Evaluate nodes, innermost first;
		// the call that is the whole expression gets the column's own name
		// when the input has no column of that name.
		var lift func(x Expr, preferred string) Expr
		lift = func(x Expr, preferred string) Expr {
			if failed != nil {
				return x
			}
			if kids := x.Children(); len(kids) > 0 {
				x = x.WithChildren(mapExprs(kids, func(k Expr) Expr { return lift(k, "") }))
			}
			call, ok := x.(*BatchCall)
			if !ok || failed != nil {
				return x
			}
			name := preferred
			if name == "" || len(n.Schema().FieldIndices(name)) > 0 {
				name = freshName(n.Schema(), call.Fn.Name())
			}
			ev, err := NewEvaluate(n, call, name)
			if err != nil {
				failed = err
				return x
			}
			n = ev
			if c := call.Options.ErrorColumn; c != "" && !slices.Contains(errorColumns[i], c) {
				errorColumns[i] = append(errorColumns[i], c)
			}
			return &Column{Name: name, typ: ev.Call.Type()}
		}
		if a, ok := e.(*Alias); ok {
			if _, ok := a.Child.(*BatchCall); ok {
				resolved[i] = a.WithChildren([]Expr{lift(a.Child, a.Name)})
			} else {
				resolved[i] = lift(e, "")
			}
		} else {
			resolved[i] = lift(e, "")
		}
		if failed != nil {
			return nil, nil, nil, failed
		}
		if a, ok := resolved[i].(*Alias); ok {
			if c, ok := a.Child.(*Column); ok && c.Name == a.Name {
				resolved[i] = c // the call's column already has its name
			}
		}
	}
	return n, resolved, errorColumns, nil
}

// freshName is a column name for a call's result that s does not have.
func freshName(s *arrow.Schema, fn string) string {
	for i := 0; ; i++ {
		name := fmt.Sprintf("_%s_%d", strings.Map(identChar, fn), i)
		if len(s.FieldIndices(name)) == 0 {
			return name
		}
	}
}

func identChar(r rune) rune {
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return r
	}
	return '_'
}
