package plan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// SortOrder is one sort key. Spark's defaults: ascending puts NULLs first,
// descending puts them last.
type SortOrder struct {
	Expr       Expr
	Descending bool
	NullsFirst bool
}

func (o SortOrder) String() string {
	dir, nulls := "ASC", "LAST"
	if o.Descending {
		dir = "DESC"
	}
	if o.NullsFirst {
		nulls = "FIRST"
	}
	return fmt.Sprintf("%s %s NULLS %s", o.Expr, dir, nulls)
}

// Sort orders all rows by its keys: its output partitions, read in order,
// are sorted (each partition sorts before the next). Rows with equal keys
// keep their input order (the sort is stable).
type Sort struct {
	Input  Node
	Orders []SortOrder
}

// NewSort resolves the sort keys against the input's schema.
func NewSort(input Node, orders ...SortOrder) (*Sort, error) {
	out := make([]SortOrder, len(orders))
	for i, o := range orders {
		r, err := o.Expr.Resolve(input.Schema())
		if err != nil {
			return nil, err
		}
		if !orderable(r.Type()) {
			return nil, typeError("cannot sort by %s of type %s", r, r.Type())
		}
		out[i] = SortOrder{Expr: r, Descending: o.Descending, NullsFirst: o.NullsFirst}
	}
	return &Sort{Input: input, Orders: out}, nil
}

// orderable reports whether the executor can sort by values of type t.
func orderable(t arrow.DataType) bool { return Hashable(t) }

// Hashable reports whether the executor can group, deduplicate, sort and
// hash-partition values of type t: numbers, booleans, strings, binary,
// dates and timestamps.
func Hashable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.BOOL, arrow.DATE32, arrow.DATE64, arrow.TIMESTAMP, arrow.BINARY, arrow.STRING, arrow.NULL:
		return true
	}
	return IsNumeric(t)
}

func (s *Sort) Schema() *arrow.Schema { return s.Input.Schema() }
func (s *Sort) Children() []Node      { return []Node{s.Input} }
func (s *Sort) String() string        { return "Sort " + FormatOrders(s.Orders) }

// FormatOrders renders sort orders as EXPLAIN prints them: "[a ASC NULLS
// FIRST, b DESC NULLS LAST]".
func FormatOrders(orders []SortOrder) string {
	parts := make([]string, len(orders))
	for i, o := range orders {
		parts[i] = o.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}
func (s *Sort) WithChildren(c []Node) (Node, error) {
	if sameSchema(s.Input.Schema(), c[0].Schema()) {
		return &Sort{Input: c[0], Orders: s.Orders}, nil
	}
	return NewSort(c[0], s.Orders...)
}
