package frame

import (
	"fmt"
	"strings"

	"github.com/ember-df/ember/plan"
)

// Join combines df's rows with other's, as Spark's join does:
//
//	j := orders.Join(customers, "custkey", "left")
//	j := orders.Join(customers, []string{"region", "custkey"})
//	j := orders.Join(customers, orders.Col("custkey").Eq(customers.Col("custkey")), "inner")
//
// on is a column name (string) or names ([]string) both DataFrames have,
// joined on equal values and kept once in the output (first); or a
// condition (Column); or nil, which pairs every row with every row. how
// is inner (the default), left, right, full, left_semi, left_anti or
// cross, or one of Spark's spellings: outer, full_outer, fullouter,
// left_outer, leftouter, right_outer, rightouter, semi, leftsemi, anti,
// leftanti. NULL keys never match under Eq; EqNullSafe matches them.
//
// A condition join keeps the columns of both DataFrames, even those of
// the same name: refer to one through its DataFrame, orders.Col("custkey")
// (an unqualified Col("custkey") is then an error naming the two inputs).
//
// The executor picks the strategy (docs/joins.md, shown by Explain): a
// broadcast hash join when one side is hinted with Broadcast or is
// estimated at most the broadcast threshold (WithBroadcastThreshold,
// 10 MiB), a shuffled hash join otherwise, and a nested loop for cross
// joins and conditions without an equality between the two DataFrames.
func (df *DataFrame) Join(other *DataFrame, on any, how ...string) *DataFrame {
	what := "Join"
	if s, ok := on.(string); ok {
		what = fmt.Sprintf("Join(on %q)", s)
	}
	out := df.derive(what, func(in plan.Node) (plan.Node, error) {
		if err := other.failure(); err != nil {
			return nil, fmt.Errorf("the other DataFrame: %w", err)
		}
		typ := plan.InnerJoin
		switch len(how) {
		case 0:
		case 1:
			t, err := plan.ParseJoinType(how[0])
			if err != nil {
				return nil, err
			}
			typ = t
		default:
			return nil, fmt.Errorf("one join type, not %d (%s)", len(how), strings.Join(how, ", "))
		}
		spec := plan.JoinSpec{Type: typ, LeftID: df.planID(), RightID: other.planID()}
		switch on := on.(type) {
		case nil:
		case string:
			spec.Using = []string{on}
		case []string:
			if len(on) == 0 {
				return nil, fmt.Errorf("no column names to join on ([]string{}): give at least one, or nil for every pair of rows")
			}
			spec.Using = on
		case Column:
			spec.On = on.expr()
		case plan.Expr:
			spec.On = on
		default:
			return nil, fmt.Errorf("on is %T: it must be a column name (string), column names ([]string), a condition (Column) or nil", on)
		}
		// As in Spark, a "cross" join with a condition is an inner join.
		if typ == plan.CrossJoin && (spec.On != nil || spec.Using != nil) {
			spec.Type = plan.InnerJoin
		}
		return plan.NewJoin(in, other.node, spec)
	})
	if out != df && out.err == nil {
		// The join is a DataFrame of its own: Col on it does not pick one
		// of two columns of the same name.
		out.id.Store(plan.NewPlanID())
	}
	return out
}

// CrossJoin pairs every row of df with every row of other (Spark's
// crossJoin).
func (df *DataFrame) CrossJoin(other *DataFrame) *DataFrame { return df.Join(other, nil, "cross") }

// Broadcast marks df to be broadcast when it is joined: every partition
// of the other side gets all of df's rows, and that side is not
// shuffled — Spark's broadcast(df) hint. It holds whatever df's
// estimated size, for join types that keep none of df's unmatched rows
// (df on the right of an inner, left, semi or anti join, or on the left
// of an inner or right join); transformations of df keep the mark.
func Broadcast(df *DataFrame) *DataFrame {
	return df.derive("Broadcast", func(in plan.Node) (plan.Node, error) {
		return plan.NewHint(in, plan.BroadcastHint)
	})
}

// Col refers to df's column name, even where a join has put it beside a
// column of the same name from the other DataFrame: Spark's df.col("x")
// (a plan-id qualified reference). It resolves in the DataFrames derived
// from df and from joins of it. An unknown or ambiguous name in df
// itself gives a Column that fails where it is used.
func (df *DataFrame) Col(name string) Column {
	if err := df.failure(); err != nil {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: Col(%q) of a DataFrame that failed: %w", name, err)}}
	}
	c := plan.QualifiedCol(df.planID(), name)
	if _, err := c.Resolve(df.node.Schema()); err != nil {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: Col(%q): %w", name, err)}}
	}
	return Column{c}
}

// EqNullSafe is c <=> other: true where both are equal or both NULL,
// false otherwise, never NULL (Spark's eqNullSafe). As a join condition
// it matches NULL keys, which Eq never does.
func (c Column) EqNullSafe(other any) Column { return c.binary(plan.OpEqNullSafe, other) }

// WithBroadcastThreshold sets the estimated size in bytes up to which a
// joined DataFrame is broadcast rather than shuffled (Spark's
// spark.sql.autoBroadcastJoinThreshold). The default is 10 MiB for a
// session with a runner (WithRunner), and for one that runs its jobs in
// this process exec.LocalBroadcastThreshold: an eighth of the memory
// budget per partition run at once (128 MiB of the default 2 GiB on two
// cores), since there a broadcast is shared, not copied. A negative value
// turns automatic broadcasts off (Broadcast hints still apply); zero keeps
// the default. Sizes are known for in-memory DataFrames and sources that
// estimate them (Parquet's from its footers, scaled by a filter's range).
func WithBroadcastThreshold(bytes int64) Option {
	return func(s *Session) { s.cfg.BroadcastThreshold = bytes }
}

// planID returns df's plan ID, giving it one on first use; derived
// DataFrames inherit it (derive).
func (df *DataFrame) planID() int64 {
	if id := df.id.Load(); id != 0 {
		return id
	}
	df.id.CompareAndSwap(0, plan.NewPlanID())
	return df.id.Load()
}
