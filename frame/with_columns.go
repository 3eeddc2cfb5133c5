package frame

import (
	"fmt"
	"slices"
	"strings"

	"github.com/ember-df/ember/plan"
)

// WithColumns adds or replaces several columns at once, as Spark 3.3's
// withColumns: every expression reads df's columns as they are (not the
// ones the same call adds), a column that exists is replaced in place,
// and the new ones are appended in the order of their names, sorted — a
// Go map has no order of its own, so the result's column order is
// deterministic. An empty map returns df's rows unchanged; an empty
// Column is an error the DataFrame holds.
func (df *DataFrame) WithColumns(cols map[string]Column) *DataFrame {
	names := make([]string, 0, len(cols))
	for name := range cols {
		names = append(names, name)
	}
	slices.Sort(names)
	return df.derive(fmt.Sprintf("WithColumns(%s)", strings.Join(names, ", ")), func(in plan.Node) (plan.Node, error) {
		if len(cols) == 0 {
			return in, nil
		}
		exprs := make([]plan.Expr, 0, in.Schema().NumFields()+len(cols))
		replaced := map[string]bool{}
		for _, f := range in.Schema().Fields() {
			if c, ok := cols[f.Name]; ok {
				exprs = append(exprs, &plan.Alias{Child: column(c, "WithColumns"), Name: f.Name})
				replaced[f.Name] = true
				continue
			}
			exprs = append(exprs, plan.Col(f.Name))
		}
		for _, name := range names {
			if !replaced[name] {
				exprs = append(exprs, &plan.Alias{Child: column(cols[name], "WithColumns"), Name: name})
			}
		}
		return plan.Projection(in, exprs...)
	})
}
