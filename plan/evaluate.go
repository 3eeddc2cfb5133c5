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
	if c := resolved.Options.ErrorColumn; c != "" {
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
func (e *Evaluate) WithChildren(c []Node) (Node, error) { return NewEvaluate(c[0], e.Call, e.Name) }

// Outputs are the columns Evaluate adds to its input's.
func (e *Evaluate) Outputs() []string {
	if c := e.Call.Options.ErrorColumn; c != "" {
		return []string{e.Name, c}
	}
	return []string{e.Name}
}

// Projection builds Project(exprs) over input. Batch calls (models) in
// exprs first move into Evaluate nodes below the projection, innermost
// first, and the projection reads their results; an error column a call
// names follows the expression that holds the call.
func Projection(input Node, exprs ...Expr) (Node, error) {
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
		var failed error
		// A call that is the whole expression gets the column's own name
		// when the input has no column of that name.
		preferred := ""
		if a, ok := e.(*Alias); ok {
			if _, ok := a.Child.(*BatchCall); ok && len(n.Schema().FieldIndices(a.Name)) == 0 {
				preferred = a.Name
			}
		}
		resolved[i] = Transform(e, func(x Expr) Expr {
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
			if c := call.Options.ErrorColumn; c != "" {
				errorColumns[i] = append(errorColumns[i], c)
			}
			return &Column{Name: name, typ: ev.Call.Type()}
		})
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
