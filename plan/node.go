package plan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// Node is a logical plan node. Nodes are immutable values whose schema is
// resolved when they are built; the optimizer rewrites plans by building
// new nodes with WithChildren.
type Node interface {
	// Schema is the schema of the rows the node produces.
	Schema() *arrow.Schema
	// Children returns the inputs, in order.
	Children() []Node
	// WithChildren returns a copy of the node over new inputs, with its
	// schema resolved again; it fails when the new inputs lack a column the
	// node needs. len(children) equals len(Children()).
	WithChildren(children []Node) (Node, error)
	// String describes the node alone, on one line, for EXPLAIN.
	String() string
}

// Explain renders a plan as an indented tree, one node per line, in the
// style of Spark's EXPLAIN.
func Explain(n Node) string {
	return FormatTree(n, Node.Children, Node.String)
}

// FormatTree renders any tree in EXPLAIN style: one line per node,
// children indented under their parent with "+- " (last child) or ":- ".
func FormatTree[T any](root T, children func(T) []T, line func(T) string) string {
	var b strings.Builder
	var walk func(n T, first, rest string)
	walk = func(n T, first, rest string) {
		b.WriteString(first)
		b.WriteString(line(n))
		b.WriteByte('\n')
		cs := children(n)
		for i, c := range cs {
			if i == len(cs)-1 {
				walk(c, rest+"+- ", rest+"   ")
			} else {
				walk(c, rest+":- ", rest+":  ")
			}
		}
	}
	walk(root, "", "")
	return b.String()
}

// FormatExprs renders expressions as a bracketed, comma-separated list.
func FormatExprs(exprs []Expr) string {
	parts := make([]string, len(exprs))
	for i, e := range exprs {
		parts[i] = e.String()
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// sameSchema reports whether a node rebuilt over a child of schema now can
// keep what it resolved against the child's schema before: the same
// schema, or an equal one. Keeping it (rather than resolving again) keeps
// rewrites of a deep plan linear in its size.
func sameSchema(before, now *arrow.Schema) bool {
	return before == now || before.Equal(now)
}

func resolveAll(exprs []Expr, in *arrow.Schema) ([]Expr, error) {
	out := make([]Expr, len(exprs))
	for i, e := range exprs {
		r, err := e.Resolve(in)
		if err != nil {
			return nil, err
		}
		out[i] = r
	}
	return out, nil
}

// schemaOf builds the schema of the columns that resolved expressions
// become, refusing duplicate names.
func schemaOf(exprs []Expr, in *arrow.Schema) (*arrow.Schema, error) {
	fields := make([]arrow.Field, len(exprs))
	seen := map[string][]arrow.Field{}
	for i, e := range exprs {
		f := Field(e)
		if c, ok := e.(*Column); ok {
			if i, err := ColumnIndex(in, c); err == nil {
				f = in.Field(i)
			}
		}
		// Columns of one name may pass through together when their join
		// tags tell them apart, as both sides' columns of a join do.
		for _, other := range seen[f.Name] {
			if !distinguishable(f, other) {
				return nil, fmt.Errorf("plan: duplicate column name %q", f.Name)
			}
		}
		seen[f.Name] = append(seen[f.Name], f)
		fields[i] = f
	}
	return arrow.NewSchema(fields, nil), nil
}
