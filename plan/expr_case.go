package plan

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// When is one branch of a CaseWhen: Value where Cond is true.
type When struct {
	Cond, Value Expr
}

// CaseWhen is Spark's CASE WHEN: the value of the first branch whose
// condition is true, else Else (NULL when Else is nil). All values convert
// to one common type.
type CaseWhen struct {
	Branches []When
	Else     Expr
	typ      arrow.DataType
}

func (c *CaseWhen) String() string {
	var b strings.Builder
	b.WriteString("CASE")
	for _, w := range c.Branches {
		b.WriteString(" WHEN " + w.Cond.String() + " THEN " + w.Value.String())
	}
	if c.Else != nil {
		b.WriteString(" ELSE " + c.Else.String())
	}
	b.WriteString(" END")
	return b.String()
}

// Children are the conditions and values in order, then Else if present.
func (c *CaseWhen) Children() []Expr {
	out := make([]Expr, 0, 2*len(c.Branches)+1)
	for _, w := range c.Branches {
		out = append(out, w.Cond, w.Value)
	}
	if c.Else != nil {
		out = append(out, c.Else)
	}
	return out
}

func (c *CaseWhen) Type() arrow.DataType { return c.typ }

func (c *CaseWhen) WithChildren(x []Expr) Expr {
	out := &CaseWhen{typ: c.typ, Branches: make([]When, len(c.Branches))}
	for i := range c.Branches {
		out.Branches[i] = When{Cond: x[2*i], Value: x[2*i+1]}
	}
	if c.Else != nil {
		out.Else = x[len(x)-1]
	}
	return out
}

// Resolve implements Expr.
func (c *CaseWhen) Resolve(in *arrow.Schema) (Expr, error) {
	children := c.Children()
	resolved := make([]Expr, len(children))
	for i, x := range children {
		r, err := x.Resolve(in)
		if err != nil {
			return nil, err
		}
		resolved[i] = r
	}
	out := c.WithChildren(resolved).(*CaseWhen)
	boolean := arrow.FixedWidthTypes.Boolean
	var values []Expr
	for i, w := range out.Branches {
		if t := w.Cond.Type(); t.ID() != arrow.BOOL && !isNull(t) {
			return nil, typeError("%s: condition %s is %s, not boolean", c, w.Cond, t)
		}
		out.Branches[i].Cond = coerce(w.Cond, boolean)
		values = append(values, w.Value)
	}
	if out.Else != nil {
		values = append(values, out.Else)
	}
	typ, ok := unifyTypes(values)
	if !ok {
		return nil, typeError("%s: branches have incompatible types", c)
	}
	for i, w := range out.Branches {
		out.Branches[i].Value = coerce(w.Value, typ)
	}
	if out.Else != nil {
		out.Else = coerce(out.Else, typ)
	}
	out.typ = typ
	return out, nil
}
