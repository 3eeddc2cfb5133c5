package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Union concatenates inputs by column position, as Spark's union does. The
// output takes the first input's column names; column types widen to a
// common type.
type Union struct {
	Inputs []Node
	schema *arrow.Schema
}

// NewUnion checks the inputs have the same number of columns with
// compatible types.
func NewUnion(inputs ...Node) (*Union, error) {
	first := inputs[0].Schema()
	fields := append([]arrow.Field(nil), first.Fields()...)
	for i, in := range inputs[1:] {
		s := in.Schema()
		if s.NumFields() != first.NumFields() {
			return nil, typeError("union: input %d has %d columns, input 0 has %d", i+1, s.NumFields(), first.NumFields())
		}
		for j, f := range s.Fields() {
			t, ok := unifyTypes([]Expr{&Column{typ: fields[j].Type}, &Column{typ: f.Type}})
			if !ok {
				return nil, typeError("union: column %d (%s) is %s in input 0 and %s in input %d", j, fields[j].Name, fields[j].Type, f.Type, i+1)
			}
			fields[j].Type = t
			fields[j].Nullable = fields[j].Nullable || f.Nullable
		}
	}
	return &Union{Inputs: inputs, schema: arrow.NewSchema(fields, nil)}, nil
}

func (u *Union) Schema() *arrow.Schema               { return u.schema }
func (u *Union) Children() []Node                    { return u.Inputs }
func (u *Union) String() string                      { return fmt.Sprintf("Union %d inputs", len(u.Inputs)) }
func (u *Union) WithChildren(c []Node) (Node, error) { return NewUnion(c...) }
