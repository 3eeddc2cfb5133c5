// Package optimize rewrites logical plans into cheaper equivalent ones.
// Each rule lives in its own file. Optimize applies them in this order,
// then prunes columns, repeating until the plan stops changing (at most
// maxPasses times):
//
//  0. unwrap_date_casts: a date column compared with a timestamp literal
//     (Lit(time.Time)) in a filter is compared as a date with a date
//     literal, so no value converts per row and Parquet statistics apply.
//  1. combine_filters: Filter over Filter becomes one Filter with AND.
//  2. push_filters: filters move below projections (substituting cheap
//     expressions), sorts, repartitions and coalesces, so rows are dropped
//     before work is spent on them, user functions included, and below
//     Evaluate nodes (models) whose result they do not read; never below a
//     projection that numbers rows (monotonically_increasing_id).
//  3. push_join_filters: the conjuncts of a filter above a join, and of
//     its condition, move into the input whose columns they read when
//     that keeps the join's rows (either input of an inner join, the
//     left of a left join, …); a filter reading both inputs of an inner
//     join joins its condition.
//  4. push_filter_into_scan: a filter right above a scan is handed to a
//     source that can skip data with it (Parquet row groups by their
//     statistics); the filter stays.
//  5. collapse_projects: adjacent projections merge when that duplicates
//     no expensive or non-deterministic expression.
//  6. push_limits: limits move below projections (except those that
//     number rows), below Evaluate nodes (except dead-letter ones, which
//     may drop rows) and into scans that can stop early, so Show(5) reads
//     and scores a handful of rows.
//  7. prune_columns: every node asks its input only for the columns it
//     uses, down into scans that can skip parsing the rest; an Evaluate
//     whose result nobody reads is removed, so its model never runs.
//
// Then infer_join_filters runs once — a disjunction in a join condition
// implies a filter of each input (TPC-H Q19) — and, if it changed the
// plan, the repeated batch runs again to push those filters down.
package optimize

import (
	"strconv"
	"strings"
	"time"

	"github.com/ember-df/ember/plan"
)

// Rule is one rewrite. Apply returns its input unchanged when it does not
// apply.
type Rule interface {
	Name() string
	Apply(n plan.Node) plan.Node
}

const maxPasses = 10

// Rules are the rules of the repeated batch, in order.
var Rules = []Rule{unwrapDateCasts{}, combineFilters{}, pushFilters{}, pushJoinFilters{}, pushFilterIntoScan{}, collapseProjects{}, pushLimits{}}

// Optimize returns an optimized plan equivalent to n.
func Optimize(n plan.Node) plan.Node {
	// current_date() and current_timestamp() take one value per query.
	n = plan.FoldCurrentTime(n, time.Now())
	n = repeatRules(n)
	// Filters inferred from join conditions, once (see inferJoinFilters),
	// then pushed down by the repeated rules.
	if inferred := transformUp(n, inferJoinFilters{}.Apply); fingerprint(inferred) != fingerprint(n) {
		n = repeatRules(inferred)
	}
	return n
}

// repeatRules applies Rules and prunes columns until the plan stops
// changing, at most maxPasses times.
func repeatRules(n plan.Node) plan.Node {
	for pass := 0; pass < maxPasses; pass++ {
		before := fingerprint(n)
		for _, r := range Rules {
			n = transformUp(n, r.Apply)
		}
		// Pruning can leave projections that pass their input through;
		// removing them can let the rules move filters and limits further
		// (past a pruned monotonically_increasing_id column, say), so it
		// runs in every pass and the result is a fixed point.
		n = transformUp(pruneColumns(n, nil), collapseProjects{}.Apply)
		if fingerprint(n) == before {
			break
		}
	}
	return n
}

// fingerprint renders n's nodes in pre-order, each with its depth: equal
// fingerprints are equal plans. Unlike Explain, whose indentation grows
// with depth, its length is linear in the plan's size.
func fingerprint(n plan.Node) string {
	var b strings.Builder
	var walk func(n plan.Node, depth int)
	walk = func(n plan.Node, depth int) {
		b.WriteString(strconv.Itoa(depth))
		b.WriteByte(' ')
		b.WriteString(n.String())
		b.WriteByte('\n')
		for _, c := range n.Children() {
			walk(c, depth+1)
		}
	}
	walk(n, 0)
	return b.String()
}

// transformUp applies fn to every node, children first.
func transformUp(n plan.Node, fn func(plan.Node) plan.Node) plan.Node {
	children := n.Children()
	if len(children) > 0 {
		next := make([]plan.Node, len(children))
		changed := false
		for i, c := range children {
			next[i] = transformUp(c, fn)
			changed = changed || next[i] != c
		}
		if changed {
			rebuilt, err := n.WithChildren(next)
			if err == nil {
				n = rebuilt
			}
		}
	}
	return fn(n)
}

// rebuild is WithChildren for rewrites that keep every column the node
// needs; should it fail anyway, the rewrite is abandoned.
func rebuild(n plan.Node, children ...plan.Node) (plan.Node, bool) {
	out, err := n.WithChildren(children)
	return out, err == nil
}
