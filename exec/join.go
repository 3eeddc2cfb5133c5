package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// DefaultBroadcastThreshold is the estimated size under which a join
// input is broadcast when Config.BroadcastThreshold is zero: Spark's
// spark.sql.autoBroadcastJoinThreshold, 10 MiB.
const DefaultBroadcastThreshold = 10 << 20

// LocalBroadcastThreshold is the broadcast threshold for a job run in
// this process (exec.Local, frame's sessions without a runner) when none
// is set: the memory budget's share of one eighth per partition that
// runs at once, and never under DefaultBroadcastThreshold. A zero budget
// or parallelism means the defaults (DefaultMemoryBudget, GOMAXPROCS).
//
// In one process a broadcast costs little: the build side crosses an
// in-memory exchange by reference and its hash table is built once for
// all tasks (sharedTable), where a shuffled join scatters and copies
// both inputs; DuckDB joins so in one process. The limit is memory: the
// exchange accounts the build side once per partition, and a broadcast
// hash table cannot spill, so the threshold stays a small share of the
// budget, with room for estimates that err low.
func LocalBroadcastThreshold(budget int64, parallelism int) int64 {
	cfg := Config{MemoryBudget: budget, Parallelism: parallelism}.withDefaults()
	return max(DefaultBroadcastThreshold, cfg.MemoryBudget/int64(8*cfg.Parallelism))
}

// The physical join strategies, as EXPLAIN names them.
const (
	broadcastHashJoin       = "BroadcastHashJoinExec"
	shuffledHashJoin        = "ShuffledHashJoinExec"
	broadcastNestedLoopJoin = "BroadcastNestedLoopJoinExec"
	nestedLoopJoin          = "NestedLoopJoinExec"
)

// join plans a logical join (docs/joins.md): a hash join when the
// condition has equalities between the inputs, else a nested loop. One
// input is the build side, held in memory (a hash table on the keys);
// the other, the probe side, streams past it.
//
//   - Broadcast hash join: the build side crosses a Broadcast exchange to
//     every partition of the probe side, which needs no exchange. Chosen
//     when the build side is hinted (plan.Hint, frame.Broadcast) or its
//     estimated size (plan.EstimatedBytes) is at most the broadcast
//     threshold. Only an input whose unmatched rows the join drops can be
//     broadcast: the right of inner, left, semi and anti joins, the left
//     of inner and right joins.
//   - Shuffled hash join: both inputs cross Hash exchanges on their keys
//     into the same number of partitions; partition p of one joins
//     partition p of the other. Any join type; the build side spills to
//     disk by key hash when it outgrows the memory budget.
//   - Nested loop: every pair of rows is a candidate (cross joins,
//     conditions without equalities). The build side is broadcast, or,
//     for a full join, both inputs are gathered into one partition.
//
// When both inputs have one partition, no exchange is needed.
func (g *Graph) join(j *plan.Join, left, right PhysicalNode) (PhysicalNode, error) {
	keys, residual := j.EquiKeys()
	cfg := g.job.cfg
	threshold := cfg.BroadcastThreshold
	if threshold == 0 {
		threshold = DefaultBroadcastThreshold
	}
	lbytes, lknown := plan.EstimatedBytes(j.Left)
	rbytes, rknown := plan.EstimatedBytes(j.Right)
	// Which inputs may be the build side of a broadcast: one whose
	// unmatched rows the join drops.
	canLeft := j.Type == plan.InnerJoin || j.Type == plan.RightOuterJoin || j.Type == plan.CrossJoin
	canRight := j.Type != plan.RightOuterJoin && j.Type != plan.FullOuterJoin
	smallerLeft := func() bool { // is the left input the smaller, as far as known?
		switch {
		case lknown && rknown:
			return lbytes < rbytes
		case lknown:
			return true
		}
		return false
	}
	hintL := canLeft && plan.BroadcastHinted(j.Left)
	hintR := canRight && plan.BroadcastHinted(j.Right)
	fitsL := canLeft && threshold > 0 && lknown && lbytes <= threshold
	fitsR := canRight && threshold > 0 && rknown && rbytes <= threshold

	s := &joinSpec{job: g.job, typ: j.Type, output: j.Schema(), nullSafe: make([]bool, len(keys))}
	var broadcast, gatherBoth bool
	switch {
	case hintL && hintR, !hintL && !hintR && fitsL && fitsR:
		broadcast, s.buildLeft = true, smallerLeft()
	case hintL || hintR:
		broadcast, s.buildLeft = true, hintL
	case fitsL || fitsR:
		broadcast, s.buildLeft = true, fitsL
	case len(keys) == 0:
		// A nested loop without a side to broadcast: the build side is
		// still broadcast when the join keeps none of its unmatched rows;
		// a full join gathers both inputs into one partition.
		switch {
		case j.Type == plan.FullOuterJoin:
			gatherBoth = true
		case canLeft && canRight:
			broadcast, s.buildLeft = true, smallerLeft()
		default:
			broadcast, s.buildLeft = true, !canRight
		}
	default:
		// Shuffled: the right input builds unless the join keeps its
		// unmatched rows and not the left's (a right join), or it is an
		// inner join and the left is known to be smaller.
		s.buildLeft = j.Type == plan.RightOuterJoin || (j.Type == plan.InnerJoin && smallerLeft())
	}
	switch {
	case len(keys) > 0 && broadcast:
		s.strategy = broadcastHashJoin
	case len(keys) > 0:
		s.strategy = shuffledHashJoin
	case broadcast:
		s.strategy = broadcastNestedLoopJoin
	default:
		s.strategy = nestedLoopJoin
	}

	left, right = uniqueNames(left), uniqueNames(right)
	nl := j.NumLeft()
	for i, k := range keys {
		lk, err := plan.RebindColumns(k.Left, j.Combined(), left.Schema(), func(c int) int { return c })
		if err != nil {
			return nil, fmt.Errorf("exec: join key %s: %w", k.Left, err)
		}
		rk, err := plan.RebindColumns(k.Right, j.Combined(), right.Schema(), func(c int) int { return c - nl })
		if err != nil {
			return nil, fmt.Errorf("exec: join key %s: %w", k.Right, err)
		}
		s.leftKeys = append(s.leftKeys, lk)
		s.rightKeys = append(s.rightKeys, rk)
		s.nullSafe[i] = k.NullSafe
	}
	if err := s.buildSchemas(j, left.Schema(), right.Schema(), residual); err != nil {
		return nil, err
	}
	s.label = joinLabel(s, keys, residual)

	if left.Partitions() > 1 || right.Partitions() > 1 {
		switch {
		case gatherBoth:
			left, right = g.gather(left, s.label), g.gather(right, s.label)
		case broadcast:
			x := &Exchange{Kind: Broadcast, what: s.label}
			if s.buildLeft {
				x.Partitions = right.Partitions()
				left = g.cut(left, x)
			} else {
				x.Partitions = left.Partitions()
				right = g.cut(right, x)
			}
		default:
			n := max(1, min(max(left.Partitions(), right.Partitions()), cfg.Parallelism))
			if n == 1 {
				left, right = g.gather(left, s.label), g.gather(right, s.label)
				break
			}
			left = g.cut(left, &Exchange{Kind: Hash, Keys: s.leftKeys, Partitions: n, what: s.label})
			right = g.cut(right, &Exchange{Kind: Hash, Keys: s.rightKeys, Partitions: n, what: s.label})
		}
	}
	// A broadcast build side is the same in every partition: one table,
	// built by the first task that needs it, serves the job's tasks.
	if broadcast && (left.Partitions() > 1 || right.Partitions() > 1) {
		s.shared = &sharedTable{tasks: max(left.Partitions(), right.Partitions())}
		g.job.onFinish(s.shared.release)
	}
	return &joinExec{spec: s, left: left, right: right}, nil
}

// uniqueNames gives n's columns unique names when some share one (a join
// of joins), so that key expressions bind to them by name; the join's
// output is assembled by position, under the logical plan's names.
func uniqueNames(n PhysicalNode) PhysicalNode {
	s := n.Schema()
	seen := map[string]bool{}
	dup := false
	for _, f := range s.Fields() {
		dup = dup || seen[f.Name]
		seen[f.Name] = true
	}
	if !dup {
		return n
	}
	fields := make([]arrow.Field, s.NumFields())
	for i, f := range s.Fields() {
		fields[i] = arrow.Field{Name: fmt.Sprintf("_c%d", i), Type: f.Type, Nullable: f.Nullable}
	}
	return &renameExec{input: n, schema: arrow.NewSchema(fields, nil)}
}

// joinLabel is the join's EXPLAIN line, which errors quote too:
// "BroadcastHashJoinExec [custkey] left, build right".
func joinLabel(s *joinSpec, keys []plan.EquiKey, residual plan.Expr) string {
	var b strings.Builder
	b.WriteString(s.strategy)
	if len(keys) > 0 {
		parts := make([]string, len(keys))
		for i, k := range keys {
			l, r := k.Left.String(), k.Right.String()
			switch {
			case k.NullSafe:
				parts[i] = l + " <=> " + r
			case l == r:
				parts[i] = l
			default:
				parts[i] = l + " = " + r
			}
		}
		b.WriteString(" [" + strings.Join(parts, ", ") + "]")
	}
	fmt.Fprintf(&b, " %s, build %s", s.typ, map[bool]string{true: "left", false: "right"}[s.buildLeft])
	if residual != nil {
		fmt.Fprintf(&b, ", condition %s", residual)
	}
	return b.String()
}

// joinExec is the physical join: its children are the left and right
// inputs, one of them the build side; partition p joins partition p of
// each (a broadcast exchange gives every partition the whole build side).
type joinExec struct {
	spec        *joinSpec
	left, right PhysicalNode
}

func (j *joinExec) Schema() *arrow.Schema    { return j.spec.output }
func (j *joinExec) Children() []PhysicalNode { return []PhysicalNode{j.left, j.right} }
func (j *joinExec) String() string {
	return fmt.Sprintf("%s (%d partitions)", j.spec.label, j.Partitions())
}

// Partitions implements PhysicalNode: the probe side's.
func (j *joinExec) Partitions() int {
	if j.spec.buildLeft {
		return j.right.Partitions()
	}
	return j.left.Partitions()
}

// Operator implements PhysicalNode.
func (j *joinExec) Operator(p int) (Operator, error) {
	l, err := j.left.Operator(p)
	if err != nil {
		return nil, err
	}
	r, err := j.right.Operator(p)
	if err != nil {
		l.Close()
		return nil, err
	}
	o := &joinOp{spec: j.spec, partition: p, probeIn: l, buildIn: r}
	if j.spec.buildLeft {
		o.probeIn, o.buildIn = r, l
	}
	return o, nil
}

// renameExec gives its input's batches other column names (the same
// columns, by position).
type renameExec struct {
	input  PhysicalNode
	schema *arrow.Schema
}

func (r *renameExec) Schema() *arrow.Schema    { return r.schema }
func (r *renameExec) Partitions() int          { return r.input.Partitions() }
func (r *renameExec) Children() []PhysicalNode { return []PhysicalNode{r.input} }
func (r *renameExec) String() string           { return "RenameExec (columns of the same name)" }

// Operator implements PhysicalNode.
func (r *renameExec) Operator(p int) (Operator, error) {
	in, err := r.input.Operator(p)
	if err != nil {
		return nil, err
	}
	return &renameOp{input: in, schema: r.schema}, nil
}
