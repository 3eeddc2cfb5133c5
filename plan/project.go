package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Project computes one output column per expression.
type Project struct {
	Input  Node
	Exprs  []Expr
	schema *arrow.Schema
}

// NewProject resolves exprs against the input's schema.
func NewProject(input Node, exprs ...Expr) (*Project, error) {
	resolved, err := resolveAll(exprs, input.Schema())
	if err != nil {
		return nil, err
	}
	schema, err := schemaOf(resolved, input.Schema())
	if err != nil {
		return nil, err
	}
	return &Project{Input: input, Exprs: resolved, schema: schema}, nil
}

func (p *Project) Schema() *arrow.Schema { return p.schema }
func (p *Project) Children() []Node      { return []Node{p.Input} }
func (p *Project) String() string        { return fmt.Sprintf("Project %s", FormatExprs(p.Exprs)) }

// WithChildren implements Node.
func (p *Project) WithChildren(c []Node) (Node, error) {
	if sameSchema(p.Input.Schema(), c[0].Schema()) {
		return &Project{Input: c[0], Exprs: p.Exprs, schema: p.schema}, nil
	}
	return NewProject(c[0], p.Exprs...)
}
