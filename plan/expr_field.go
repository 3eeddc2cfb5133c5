package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// GetField reads one field of a struct column (a model's several outputs,
// say), like Spark's col("p.label").
type GetField struct {
	Child Expr
	Name  string
	typ   arrow.DataType
	index int
}

func (g *GetField) String() string       { return fmt.Sprintf("%s.%s", g.Child, g.Name) }
func (g *GetField) Children() []Expr     { return []Expr{g.Child} }
func (g *GetField) Type() arrow.DataType { return g.typ }
func (g *GetField) Index() int           { return g.index }
func (g *GetField) WithChildren(x []Expr) Expr {
	out := *g
	out.Child = x[0]
	return &out
}

// Resolve implements Expr.
func (g *GetField) Resolve(in *arrow.Schema) (Expr, error) {
	c, err := g.Child.Resolve(in)
	if err != nil {
		return nil, err
	}
	st, ok := c.Type().(*arrow.StructType)
	if !ok {
		return nil, typeError("%s: %s is %s, not a struct", g, c, c.Type())
	}
	i, ok := st.FieldIdx(g.Name)
	if !ok {
		names := make([]Expr, st.NumFields())
		for k, f := range st.Fields() {
			names[k] = Col(f.Name)
		}
		return nil, fmt.Errorf("plan: %w: %s has no field %q (fields: %s)", ErrColumnNotFound, c, g.Name, FormatExprs(names))
	}
	return &GetField{Child: c, Name: g.Name, typ: st.Field(i).Type, index: i}, nil
}
