package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Filter keeps the rows for which Cond is true (not false, not NULL).
type Filter struct {
	Input Node
	Cond  Expr
	// schema is the input's, kept so that a chain of filters answers
	// Schema without walking down it.
	schema *arrow.Schema
}

// NewFilter resolves cond against the input's schema; it must be boolean.
func NewFilter(input Node, cond Expr) (*Filter, error) {
	r, err := cond.Resolve(input.Schema())
	if err != nil {
		return nil, err
	}
	if t := r.Type(); t.ID() != arrow.BOOL {
		return nil, typeError("filter condition %s is %s, not boolean", r, t)
	}
	return &Filter{Input: input, Cond: r, schema: input.Schema()}, nil
}

func (f *Filter) Schema() *arrow.Schema {
	if f.schema != nil {
		return f.schema
	}
	return f.Input.Schema()
}
func (f *Filter) Children() []Node { return []Node{f.Input} }
func (f *Filter) String() string   { return fmt.Sprintf("Filter %s", f.Cond) }
func (f *Filter) WithChildren(c []Node) (Node, error) {
	if sameSchema(f.Input.Schema(), c[0].Schema()) {
		return &Filter{Input: c[0], Cond: f.Cond, schema: f.Schema()}, nil
	}
	return NewFilter(c[0], f.Cond)
}
