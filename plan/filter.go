package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Filter keeps the rows for which Cond is true (not false, not NULL).
type Filter struct {
	Input Node
	Cond  Expr
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
	return &Filter{Input: input, Cond: r}, nil
}

func (f *Filter) Schema() *arrow.Schema               { return f.Input.Schema() }
func (f *Filter) Children() []Node                    { return []Node{f.Input} }
func (f *Filter) String() string                      { return fmt.Sprintf("Filter %s", f.Cond) }
func (f *Filter) WithChildren(c []Node) (Node, error) { return NewFilter(c[0], f.Cond) }
