package frame

import (
	"fmt"
	"strings"

	"github.com/ember-df/ember/plan"
)

// DropDuplicates keeps one row per distinct combination of values in
// cols (per distinct row without cols, which is Distinct), as Spark's
// dropDuplicates. NULLs compare equal to each other here, as in Spark.
//
// As Spark does, it is an aggregation: grouped by cols, with first() of
// every other column, then the columns in df's order. first takes every
// column from the same row: the first of its key in input order (input
// partition by input partition, rows in order within each), the row
// Spark keeps. Being a plain aggregation, it stays within the memory
// budget (spilling) and runs on the cluster runners. Unknown columns,
// and key columns of a type that cannot be grouped, are errors the
// DataFrame holds.
func (df *DataFrame) DropDuplicates(cols ...string) *DataFrame {
	what := fmt.Sprintf("DropDuplicates(%s)", strings.Join(cols, ", "))
	if len(cols) == 0 {
		return df.derive(what, func(in plan.Node) (plan.Node, error) { return plan.NewDistinct(in) })
	}
	return df.derive(what, func(in plan.Node) (plan.Node, error) {
		schema := in.Schema()
		isKey := map[int]bool{}
		var keys []plan.Expr
		for _, c := range uniqueNames(cols) {
			i, err := plan.FieldIndex(schema, c)
			if err != nil {
				return nil, err
			}
			isKey[i] = true
			keys = append(keys, fieldRef(schema, i))
		}
		var aggs []plan.AggExpr
		for i, f := range schema.Fields() {
			if !isKey[i] {
				aggs = append(aggs, plan.AggExpr{Func: plan.AggFirst, Arg: fieldRef(schema, i), Name: f.Name})
			}
		}
		grouped, err := plan.NewAggregate(in, keys, aggs)
		if err != nil {
			return nil, err
		}
		out := make([]plan.Expr, schema.NumFields())
		for i, f := range schema.Fields() {
			out[i] = plan.Col(f.Name)
		}
		return plan.NewProject(grouped, out...)
	})
}
