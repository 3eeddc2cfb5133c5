package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// Alias returns df under the name alias, as Spark's df.alias("a"): its
// columns are qualified by alias, so Col("a.x") refers to its column x
// wherever a join puts another column x beside it, and Select("a.*")
// picks its columns. That is how a self-join tells its two sides apart:
//
//	a, b := people.Alias("a"), people.Alias("b")
//	pairs := a.Join(b, Col("a.manager").Eq(Col("b.id"))).
//		Select(Col("a.name"), Col("b.name").As("manager"))
//
// The qualifiers pass through joins, filters and projections of plain
// columns; an alias replaces the ones df had. The aliased DataFrame is
// one of its own, so a.Col("x") and b.Col("x") tell the sides apart too.
// An unqualified Col("x") that both sides have is an error naming a.x
// and b.x. alias must be a non-empty name without dots.
func (df *DataFrame) Alias(alias string) *DataFrame {
	out := df.derive(fmt.Sprintf("Alias(%q)", alias), func(in plan.Node) (plan.Node, error) {
		return plan.NewAlias(in, alias)
	})
	if out != df && out.err == nil {
		out.id.Store(plan.NewPlanID())
	}
	return out
}
