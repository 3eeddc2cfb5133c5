package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Expr is a node of a scalar expression: something computed per row from
// the columns of one input batch.
//
// Implementations are immutable values. Resolve is called once per plan node
// that takes the expression, with the schema of that node's input; the
// executor evaluates only what Resolve returned.
type Expr interface {
	fmt.Stringer
	// Children returns the sub-expressions, in evaluation order.
	Children() []Expr
	// WithChildren returns a copy with the children replaced; len(children)
	// equals len(Children()).
	WithChildren(children []Expr) Expr
	// Resolve type-checks the expression against the schema of its input
	// and returns the resolved form: children resolved, implicit conversions
	// made explicit Casts, Type known. Errors wrap ErrColumnNotFound or
	// ErrType and name the offending column or operator.
	Resolve(in *arrow.Schema) (Expr, error)
	// Type is the output type of a resolved expression; nil before Resolve.
	Type() arrow.DataType
}

// OutputName is the column name an expression gets when it becomes a
// column without an explicit alias, as in Spark: the column's own name for
// a column reference, the alias for an alias, the expression text
// otherwise.
func OutputName(e Expr) string {
	switch e := e.(type) {
	case *Alias:
		return e.Name
	case *Column:
		return e.Name
	}
	return e.String()
}

// Field returns the output field of a resolved expression: its output name
// and type. Every computed column is nullable.
func Field(e Expr) arrow.Field {
	return arrow.Field{Name: OutputName(e), Type: e.Type(), Nullable: true}
}

// Column references an input column by name. Resolution checks the name
// exists; the executor binds it to a position in the batch it evaluates
// against, so a resolved Column stays valid when the optimizer prunes other
// columns.
type Column struct {
	Name string
	// PlanID, when not 0, qualifies the reference: among columns of the
	// same name (both inputs' after a join), it refers to the one tagged
	// with this plan ID (see ColumnIndex).
	PlanID int64
	typ    arrow.DataType
	in     *arrow.Schema // the schema it was resolved against
}

// Col returns an unresolved reference to the column called name.
func Col(name string) *Column { return &Column{Name: name} }

func (c *Column) String() string           { return c.Name }
func (c *Column) Children() []Expr         { return nil }
func (c *Column) WithChildren([]Expr) Expr { return c }
func (c *Column) Type() arrow.DataType     { return c.typ }

// Resolve implements Expr.
func (c *Column) Resolve(in *arrow.Schema) (Expr, error) {
	if c.in == in && in != nil {
		return c, nil
	}
	i, err := ColumnIndex(in, c)
	if err != nil {
		return nil, err
	}
	if f := in.Field(i); f.Name != c.Name {
		// A qualified name ("a.x"): the reference batches without
		// qualifiers bind (x, or x of a plan ID).
		ref, err := FieldRef(in, i)
		if err != nil {
			return nil, err
		}
		return &Column{Name: ref.Name, PlanID: ref.PlanID, typ: f.Type, in: in}, nil
	}
	return &Column{Name: c.Name, PlanID: c.PlanID, typ: in.Field(i).Type, in: in}, nil
}

// Alias names the column an expression becomes.
type Alias struct {
	Child Expr
	Name  string
}

func (a *Alias) String() string             { return fmt.Sprintf("%s AS %s", a.Child, a.Name) }
func (a *Alias) Children() []Expr           { return []Expr{a.Child} }
func (a *Alias) Type() arrow.DataType       { return a.Child.Type() }
func (a *Alias) WithChildren(c []Expr) Expr { return &Alias{Child: c[0], Name: a.Name} }

// Resolve implements Expr.
func (a *Alias) Resolve(in *arrow.Schema) (Expr, error) {
	child, err := a.Child.Resolve(in)
	if err != nil {
		return nil, err
	}
	return &Alias{Child: child, Name: a.Name}, nil
}

// Unalias strips any Alias wrappers from e.
func Unalias(e Expr) Expr {
	for {
		a, ok := e.(*Alias)
		if !ok {
			return e
		}
		e = a.Child
	}
}

// Invalid is an expression that failed to be built (for example a literal
// of an unsupported Go type). Resolving it returns its error, so the error
// sticks to the DataFrame that used it.
type Invalid struct{ Err error }

func (v *Invalid) String() string                      { return "<invalid: " + v.Err.Error() + ">" }
func (v *Invalid) Children() []Expr                    { return nil }
func (v *Invalid) WithChildren([]Expr) Expr            { return v }
func (v *Invalid) Type() arrow.DataType                { return nil }
func (v *Invalid) Resolve(*arrow.Schema) (Expr, error) { return nil, v.Err }
