package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Cast converts its child to another type with Spark's lenient semantics:
// strings that do not parse become NULL, numbers convert by truncation.
type Cast struct {
	Child Expr
	To    arrow.DataType
}

func (c *Cast) String() string             { return fmt.Sprintf("CAST(%s AS %s)", c.Child, c.To) }
func (c *Cast) Children() []Expr           { return []Expr{c.Child} }
func (c *Cast) Type() arrow.DataType       { return c.To }
func (c *Cast) WithChildren(x []Expr) Expr { return &Cast{Child: x[0], To: c.To} }

// Resolve implements Expr.
func (c *Cast) Resolve(in *arrow.Schema) (Expr, error) {
	child, err := c.Child.Resolve(in)
	if err != nil {
		return nil, err
	}
	if !castable(child.Type(), c.To) {
		return nil, typeError("%s: cannot cast %s to %s", c, child.Type(), c.To)
	}
	return coerce(child, c.To), nil
}

func castable(from, to arrow.DataType) bool {
	if arrow.TypeEqual(from, to) || isNull(from) {
		return true
	}
	temporal := func(t arrow.DataType) bool {
		switch t.ID() {
		case arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP:
			return true
		}
		return false
	}
	numberLike := func(t arrow.DataType) bool {
		return IsNumeric(t) || t.ID() == arrow.BOOL || t.ID() == arrow.DECIMAL128
	}
	switch {
	case isString(from) || isString(to):
		// Everything prints, and strings parse into every scalar type.
		return numberLike(from) || numberLike(to) || temporal(from) || temporal(to) || (isString(from) && isString(to))
	case numberLike(from) && numberLike(to), temporal(from) && temporal(to):
		return true
	}
	return false
}
