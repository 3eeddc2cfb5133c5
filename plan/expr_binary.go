package plan

import (
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// BinaryOp is the operator of a Binary expression.
type BinaryOp int

// The binary operators. Arithmetic follows Spark: integer division and
// modulo by zero give NULL, "/" on integers gives float64. And/Or use
// three-valued logic (NULL AND false is false).
const (
	OpAdd BinaryOp = iota
	OpSub
	OpMul
	OpDiv
	OpMod
	OpEq
	OpNeq
	OpLt
	OpLe
	OpGt
	OpGe
	OpAnd
	OpOr
	OpContains
	// OpEqNullSafe is Spark's <=> (Column.eqNullSafe): = that is true for
	// two NULLs and false for one, never NULL.
	OpEqNullSafe
)

var binarySymbols = [...]string{
	OpAdd: "+", OpSub: "-", OpMul: "*", OpDiv: "/", OpMod: "%",
	OpEq: "=", OpNeq: "!=", OpLt: "<", OpLe: "<=", OpGt: ">", OpGe: ">=",
	OpAnd: "AND", OpOr: "OR", OpContains: "contains", OpEqNullSafe: "<=>",
}

func (op BinaryOp) String() string { return binarySymbols[op] }

// IsArithmetic reports whether op is +, -, *, / or %.
func (op BinaryOp) IsArithmetic() bool { return op <= OpMod }

// IsComparison reports whether op compares its operands.
func (op BinaryOp) IsComparison() bool { return op >= OpEq && op <= OpGe }

// Binary applies an operator to two operands. Once resolved, both operands
// have the same type (OperandType) and Type is the result type.
type Binary struct {
	Op          BinaryOp
	Left, Right Expr
	typ         arrow.DataType
	// in is the schema the expression was resolved against: resolving
	// it against the same schema again returns it as it is, so that
	// combining resolved conditions (a AND b) costs no second walk.
	in *arrow.Schema
}

// NewBinary returns the unresolved expression left op right.
func NewBinary(op BinaryOp, left, right Expr) *Binary {
	return &Binary{Op: op, Left: left, Right: right}
}

func (b *Binary) String() string {
	var sb strings.Builder
	b.format(&sb)
	return sb.String()
}

// format writes b as String does, nested Binary operands in place: a long
// chain of conditions renders in time linear in its length.
func (b *Binary) format(sb *strings.Builder) {
	operand := func(e Expr) {
		if x, ok := e.(*Binary); ok {
			x.format(sb)
		} else {
			sb.WriteString(e.String())
		}
	}
	if b.Op == OpContains {
		sb.WriteString("contains(")
		operand(b.Left)
		sb.WriteString(", ")
		operand(b.Right)
		sb.WriteString(")")
		return
	}
	sb.WriteString("(")
	operand(b.Left)
	sb.WriteString(" " + b.Op.String() + " ")
	operand(b.Right)
	sb.WriteString(")")
}
func (b *Binary) Children() []Expr     { return []Expr{b.Left, b.Right} }
func (b *Binary) Type() arrow.DataType { return b.typ }
func (b *Binary) WithChildren(c []Expr) Expr {
	return &Binary{Op: b.Op, Left: c[0], Right: c[1], typ: b.typ}
}

// OperandType is the type both operands of a resolved Binary have.
func (b *Binary) OperandType() arrow.DataType { return b.Left.Type() }

// Resolve implements Expr.
func (b *Binary) Resolve(in *arrow.Schema) (Expr, error) {
	if b.in != nil && (b.in == in || b.in.Equal(in)) {
		return b, nil
	}
	r, err := b.resolve(in)
	if x, ok := r.(*Binary); ok && err == nil {
		x.in = in
	}
	return r, err
}

func (b *Binary) resolve(in *arrow.Schema) (Expr, error) {
	l, err := b.Left.Resolve(in)
	if err != nil {
		return nil, err
	}
	r, err := b.Right.Resolve(in)
	if err != nil {
		return nil, err
	}
	mismatch := func() error {
		return typeError("%s: cannot apply %s to %s (%s) and %s (%s)", b, b.Op, l, l.Type(), r, r.Type())
	}
	switch {
	case b.Op == OpAnd || b.Op == OpOr:
		for _, x := range []Expr{l, r} {
			if !isNull(x.Type()) && x.Type().ID() != arrow.BOOL {
				return nil, mismatch()
			}
		}
		boolean := arrow.FixedWidthTypes.Boolean
		return &Binary{Op: b.Op, Left: coerce(l, boolean), Right: coerce(r, boolean), typ: boolean}, nil
	case b.Op == OpContains:
		for _, x := range []Expr{l, r} {
			if !isNull(x.Type()) && !isString(x.Type()) {
				return nil, mismatch()
			}
		}
		s := arrow.BinaryTypes.String
		return &Binary{Op: b.Op, Left: coerce(l, s), Right: coerce(r, s), typ: arrow.FixedWidthTypes.Boolean}, nil
	}
	t, ok := commonType(l, r)
	if !ok {
		return nil, mismatch()
	}
	if isNull(t) {
		t = arrow.PrimitiveTypes.Float64
	}
	if b.Op.IsArithmetic() {
		if !IsNumeric(t) {
			return nil, mismatch()
		}
		if b.Op == OpDiv && isInteger(t) {
			t = arrow.PrimitiveTypes.Float64
		}
		return &Binary{Op: b.Op, Left: coerce(l, t), Right: coerce(r, t), typ: t}, nil
	}
	return &Binary{Op: b.Op, Left: coerce(l, t), Right: coerce(r, t), typ: arrow.FixedWidthTypes.Boolean}, nil
}
