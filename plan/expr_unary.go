package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// UnaryOp is the operator of a Unary expression.
type UnaryOp int

// The unary operators.
const (
	OpNot UnaryOp = iota
	OpNegate
	OpIsNull
	OpIsNotNull
	OpUpper
	OpLower
	OpLength
)

var unaryNames = [...]string{
	OpNot: "NOT", OpNegate: "-", OpIsNull: "isnull", OpIsNotNull: "isnotnull",
	OpUpper: "upper", OpLower: "lower", OpLength: "length",
}

func (op UnaryOp) String() string { return unaryNames[op] }

// Unary applies an operator to one operand.
type Unary struct {
	Op    UnaryOp
	Child Expr
	typ   arrow.DataType
}

// NewUnary returns the unresolved expression op(child).
func NewUnary(op UnaryOp, child Expr) *Unary { return &Unary{Op: op, Child: child} }

func (u *Unary) String() string {
	switch u.Op {
	case OpNot:
		return fmt.Sprintf("(NOT %s)", u.Child)
	case OpNegate:
		return fmt.Sprintf("(- %s)", u.Child)
	}
	return fmt.Sprintf("%s(%s)", u.Op, u.Child)
}
func (u *Unary) Children() []Expr           { return []Expr{u.Child} }
func (u *Unary) Type() arrow.DataType       { return u.typ }
func (u *Unary) WithChildren(c []Expr) Expr { return &Unary{Op: u.Op, Child: c[0], typ: u.typ} }

// Resolve implements Expr.
func (u *Unary) Resolve(in *arrow.Schema) (Expr, error) {
	c, err := u.Child.Resolve(in)
	if err != nil {
		return nil, err
	}
	t := c.Type()
	switch u.Op {
	case OpIsNull, OpIsNotNull:
		return &Unary{Op: u.Op, Child: c, typ: arrow.FixedWidthTypes.Boolean}, nil
	case OpNot:
		if t.ID() == arrow.BOOL || isNull(t) {
			b := arrow.FixedWidthTypes.Boolean
			return &Unary{Op: u.Op, Child: coerce(c, b), typ: b}, nil
		}
	case OpNegate:
		if IsNumeric(t) {
			return &Unary{Op: u.Op, Child: c, typ: t}, nil
		}
	case OpUpper, OpLower, OpLength:
		if isString(t) || isNull(t) {
			out := arrow.DataType(arrow.BinaryTypes.String)
			if u.Op == OpLength {
				out = arrow.PrimitiveTypes.Int32
			}
			return &Unary{Op: u.Op, Child: coerce(c, arrow.BinaryTypes.String), typ: out}, nil
		}
	}
	return nil, typeError("%s: %s does not apply to %s (%s)", u, u.Op, c, t)
}
