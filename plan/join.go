package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// JoinType says which rows a join keeps.
type JoinType int

// The join types, as Spark names them.
const (
	// InnerJoin keeps the pairs of rows the condition matches.
	InnerJoin JoinType = iota
	// LeftOuterJoin also keeps the left rows nothing matched, with NULLs
	// for the right input's columns.
	LeftOuterJoin
	// RightOuterJoin also keeps the right rows nothing matched.
	RightOuterJoin
	// FullOuterJoin also keeps the rows of either input nothing matched.
	FullOuterJoin
	// LeftSemiJoin keeps the left rows something matches, once each, with
	// the left input's columns only.
	LeftSemiJoin
	// LeftAntiJoin keeps the left rows nothing matches, with the left
	// input's columns only.
	LeftAntiJoin
	// CrossJoin pairs every left row with every right row.
	CrossJoin
)

var joinTypeNames = [...]string{"inner", "left", "right", "full", "left_semi", "left_anti", "cross"}

func (t JoinType) String() string { return joinTypeNames[t] }

// joinTypeAliases are the spellings of each type Spark's join(how=…)
// accepts, lower case, underscores kept.
var joinTypeAliases = map[string]JoinType{
	"inner": InnerJoin,
	"left":  LeftOuterJoin, "leftouter": LeftOuterJoin, "left_outer": LeftOuterJoin,
	"right": RightOuterJoin, "rightouter": RightOuterJoin, "right_outer": RightOuterJoin,
	"full": FullOuterJoin, "outer": FullOuterJoin, "fullouter": FullOuterJoin, "full_outer": FullOuterJoin,
	"left_semi": LeftSemiJoin, "leftsemi": LeftSemiJoin, "semi": LeftSemiJoin,
	"left_anti": LeftAntiJoin, "leftanti": LeftAntiJoin, "anti": LeftAntiJoin,
	"cross": CrossJoin,
}

// ParseJoinType reads a join type the way Spark's join(how=…) does: case
// insensitive, with Spark's aliases (outer, full_outer, left_outer, semi,
// leftanti, …). The error lists the valid choices.
func ParseJoinType(how string) (JoinType, error) {
	if t, ok := joinTypeAliases[strings.ToLower(strings.TrimSpace(how))]; ok {
		return t, nil
	}
	return 0, fmt.Errorf("plan: unknown join type %q (valid: inner, cross, outer, full, fullouter, full_outer, left, leftouter, left_outer, right, rightouter, right_outer, semi, leftsemi, left_semi, anti, leftanti, left_anti)", how)
}

// keepsLeft reports whether the type keeps left rows nothing matched.
func (t JoinType) keepsLeft() bool { return t == LeftOuterJoin || t == FullOuterJoin }

// keepsRight reports whether the type keeps right rows nothing matched.
func (t JoinType) keepsRight() bool { return t == RightOuterJoin || t == FullOuterJoin }

// LeftOnly reports whether the output has the left input's columns only
// (semi and anti joins).
func (t JoinType) LeftOnly() bool { return t == LeftSemiJoin || t == LeftAntiJoin }

// JoinSpec describes a join for NewJoin.
type JoinSpec struct {
	Type JoinType
	// On is the condition, over the columns of both inputs: LeftCol and
	// RightCol, or columns qualified by the inputs' plan IDs, tell
	// columns of the same name apart. Nil joins every row with every
	// row the type keeps.
	On Expr
	// Using joins on equal values of the named columns, which both inputs
	// must have; the output has each once (first, as in Spark): the left
	// input's for inner, left, semi and anti joins, the right's for a
	// right join, the first non-NULL of the two for a full join. On and
	// Using exclude each other.
	Using []string
	// LeftID and RightID are the plan IDs of the inputs (0: none), with
	// which the join tags its output columns (see ColumnIndex).
	LeftID, RightID int64
}

// Join combines the rows of two inputs (Spark's join). NULL keys never
// match under = (use OpEqNullSafe, <=>, for that).
//
// Its output has the left input's columns then the right input's, or for
// a Using join the key columns first, then the other columns of the left
// and of the right input (the left's alone for semi and anti joins).
// Columns of the same name are all kept; each is tagged with the plan ID
// of its input, so that a qualified Column tells them apart.
type Join struct {
	Left, Right Node
	Type        JoinType
	// Cond is the condition resolved against Combined(); nil for none.
	// For a Using join it is the keys' equalities.
	Cond            Expr
	Using           []string
	LeftID, RightID int64

	combined *arrow.Schema
	schema   *arrow.Schema
	outputs  []JoinOutput
}

// JoinOutput says where a join's output column comes from: the index of
// a column of the left and/or the right input, -1 for none. A Using key
// has both (see JoinSpec.Using for which value it takes).
type JoinOutput struct{ Left, Right int }

// NewJoin resolves a join of left and right.
func NewJoin(left, right Node, spec JoinSpec) (*Join, error) {
	if spec.Type < InnerJoin || spec.Type > CrossJoin {
		return nil, fmt.Errorf("plan: unknown join type %d", spec.Type)
	}
	j := &Join{Left: left, Right: right, Type: spec.Type, Using: slices.Clone(spec.Using), LeftID: spec.LeftID, RightID: spec.RightID}
	if spec.On != nil && spec.Using != nil {
		return nil, fmt.Errorf("plan: a join takes a condition or column names, not both")
	}
	if spec.Type == CrossJoin && (spec.On != nil || len(spec.Using) > 0) {
		return nil, fmt.Errorf("plan: a cross join takes no condition (make it an inner join)")
	}
	j.combined = j.combinedSchema()
	on := spec.On
	if len(j.Using) > 0 {
		var err error
		if on, err = j.usingCondition(); err != nil {
			return nil, err
		}
	} else if spec.Using != nil {
		return nil, fmt.Errorf("plan: a join on column names needs at least one name")
	}
	if on != nil {
		cond, err := on.Resolve(j.combined)
		if err != nil {
			return nil, fmt.Errorf("plan: join condition: %w", err)
		}
		if t := cond.Type(); t.ID() != arrow.BOOL {
			return nil, typeError("join condition %s is %s, not boolean", cond, t)
		}
		if err := checkJoinCondition(cond); err != nil {
			return nil, err
		}
		j.Cond = cond
	}
	if err := j.buildOutput(); err != nil {
		return nil, err
	}
	return j, nil
}

// checkJoinCondition refuses what a condition cannot compute per pair of
// rows: model calls (which run in Evaluate nodes) and row numbers.
func checkJoinCondition(cond Expr) error {
	var err error
	Walk(cond, func(x Expr) bool {
		switch x.(type) {
		case *BatchCall:
			err = fmt.Errorf("plan: join condition %s calls a model: compute it with WithColumn first", cond)
		case *MonotonicID:
			err = fmt.Errorf("plan: join condition %s numbers rows (monotonically_increasing_id): compute it with WithColumn first", cond)
		}
		return err == nil
	})
	return err
}

// Spec returns the JoinSpec that builds j again (On is j's condition,
// nil for a Using join).
func (j *Join) Spec() JoinSpec {
	s := JoinSpec{Type: j.Type, Using: slices.Clone(j.Using), LeftID: j.LeftID, RightID: j.RightID}
	if len(j.Using) == 0 {
		s.On = j.Cond
	}
	return s
}

// Combined is the schema the condition is resolved against: the left
// input's columns then the right's, tagged with the inputs' plan IDs and
// with LeftInput and RightInput.
func (j *Join) Combined() *arrow.Schema { return j.combined }

// NumLeft is the number of left columns in Combined.
func (j *Join) NumLeft() int { return j.Left.Schema().NumFields() }

// Outputs says where each output column comes from.
func (j *Join) Outputs() []JoinOutput { return j.outputs }

// sideName describes input side (0 left, 1 right) for ambiguity errors:
// which side, and the first source it reads.
func sideName(n Node, side int) string {
	name := [2]string{"left", "right"}[side] + " input of a join"
	for n != nil {
		if s, ok := n.(*Scan); ok {
			desc := s.Source.String()
			if r := []rune(desc); len(r) > 60 {
				desc = string(r[:60]) + "…"
			}
			return name + " (" + desc + ")"
		}
		cs := n.Children()
		if len(cs) == 0 {
			break
		}
		n = cs[0]
	}
	return name
}

func (j *Join) combinedSchema() *arrow.Schema {
	ls, rs := j.Left.Schema(), j.Right.Schema()
	lname, rname := sideName(j.Left, 0), sideName(j.Right, 1)
	fields := make([]arrow.Field, 0, ls.NumFields()+rs.NumFields())
	for _, f := range ls.Fields() {
		fields = append(fields, tagField(f, lname, j.LeftID, LeftInput))
	}
	for _, f := range rs.Fields() {
		fields = append(fields, tagField(f, rname, j.RightID, RightInput))
	}
	return arrow.NewSchema(fields, nil)
}

// usingCondition is the condition of a Using join: the named columns of
// the two inputs are equal.
func (j *Join) usingCondition() (Expr, error) {
	var cond Expr
	seen := map[string]bool{}
	for _, name := range j.Using {
		if seen[name] {
			return nil, fmt.Errorf("plan: join on column %q named twice", name)
		}
		seen[name] = true
		for side, in := range []Node{j.Left, j.Right} {
			if _, err := FieldIndex(in.Schema(), name); err != nil {
				return nil, fmt.Errorf("plan: join on %q: the %s input: %w", name, [2]string{"left", "right"}[side], err)
			}
		}
		eq := NewBinary(OpEq, LeftCol(name), RightCol(name))
		if cond == nil {
			cond = eq
		} else {
			cond = NewBinary(OpAnd, cond, eq)
		}
	}
	return cond, nil
}

// buildOutput works out the output columns and the schema.
func (j *Join) buildOutput() error {
	ls, rs := j.Left.Schema(), j.Right.Schema()
	nl := ls.NumFields()
	var fields []arrow.Field
	add := func(f arrow.Field, o JoinOutput, nullable bool) {
		f.Nullable = f.Nullable || nullable
		fields = append(fields, f)
		j.outputs = append(j.outputs, o)
	}
	leftKey, rightKey := map[int]bool{}, map[int]bool{}
	for _, name := range j.Using {
		li, _ := FieldIndex(ls, name)
		ri, _ := FieldIndex(rs, name)
		leftKey[li], rightKey[ri] = true, true
		lf, rf := j.combined.Field(li), j.combined.Field(nl+ri)
		f := lf
		switch j.Type {
		case RightOuterJoin:
			f = rf
		case FullOuterJoin:
			t, ok := commonType(&Column{typ: lf.Type}, &Column{typ: rf.Type})
			if !ok {
				return typeError("join on %q: the left input's is %s, the right's %s", name, lf.Type, rf.Type)
			}
			f.Type = t
		}
		// The key is both inputs' column: either DataFrame's Col finds it.
		f = addQualifiers(tagField(f, "", append(planIDs(lf), planIDs(rf)...)...), Qualifiers(rf)...)
		add(untag(f, LeftInput, RightInput), JoinOutput{li, ri}, j.Type == FullOuterJoin)
	}
	for i := range nl {
		if !leftKey[i] {
			add(untag(j.combined.Field(i), LeftInput, RightInput), JoinOutput{i, -1}, j.Type.keepsRight())
		}
	}
	if !j.Type.LeftOnly() {
		for i := range rs.NumFields() {
			if !rightKey[i] {
				add(untag(j.combined.Field(nl+i), LeftInput, RightInput), JoinOutput{-1, i}, j.Type.keepsLeft())
			}
		}
	}
	j.schema = arrow.NewSchema(fields, nil)
	return nil
}

// untag removes plan IDs from f's tags.
func untag(f arrow.Field, ids ...int64) arrow.Field {
	tags := planIDs(f)
	kept := slices.DeleteFunc(slices.Clone(tags), func(id int64) bool { return slices.Contains(ids, id) })
	if len(kept) == len(tags) {
		return f
	}
	meta := map[string]string{}
	for i, k := range f.Metadata.Keys() {
		if k != PlanIDsKey {
			meta[k] = f.Metadata.Values()[i]
		}
	}
	f.Metadata = arrow.MetadataFrom(meta)
	return tagField(f, "", kept...)
}

func (j *Join) Schema() *arrow.Schema { return j.schema }
func (j *Join) Children() []Node      { return []Node{j.Left, j.Right} }

func (j *Join) String() string {
	switch {
	case len(j.Using) > 0:
		return fmt.Sprintf("Join %s, using [%s]", j.Type, strings.Join(j.Using, ", "))
	case j.Cond != nil:
		return fmt.Sprintf("Join %s, %s", j.Type, j.Cond)
	}
	return "Join " + j.Type.String()
}

// WithChildren implements Node.
func (j *Join) WithChildren(c []Node) (Node, error) {
	return NewJoin(c[0], c[1], j.Spec())
}

// EquiKey is one equality of a join condition between an expression of
// the left input and one of the right: the pair a hash join hashes and
// matches on. Both are resolved against the join's Combined schema and
// have the same type.
type EquiKey struct {
	Left, Right Expr
	// NullSafe is set for <=>: NULL matches NULL.
	NullSafe bool
}

// Conjuncts splits a condition at its top-level ANDs.
func Conjuncts(cond Expr) []Expr {
	if cond == nil {
		return nil
	}
	if b, ok := cond.(*Binary); ok && b.Op == OpAnd {
		return append(Conjuncts(b.Left), Conjuncts(b.Right)...)
	}
	return []Expr{cond}
}

// And joins conditions with AND; nil for none.
func And(conds ...Expr) Expr {
	var out Expr
	for _, c := range conds {
		if out == nil {
			out = c
		} else {
			out = NewBinary(OpAnd, out, c)
		}
	}
	return out
}

// Sides reports which inputs' columns e (resolved against Combined)
// reads.
func (j *Join) Sides(e Expr) (left, right bool) {
	nl := j.NumLeft()
	Walk(e, func(x Expr) bool {
		if c, ok := x.(*Column); ok {
			if i, err := ColumnIndex(j.combined, c); err == nil {
				if i < nl {
					left = true
				} else {
					right = true
				}
			}
		}
		return true
	})
	return left, right
}

// EquiKeys splits the condition into the equalities between one
// expression of each input that a hash join can match on (= and <=> over
// hashable types), and the residual: the AND of the other conjuncts, nil
// when there are none.
func (j *Join) EquiKeys() (keys []EquiKey, residual Expr) {
	var rest []Expr
	for _, c := range Conjuncts(j.Cond) {
		if k, ok := j.equiKey(c); ok {
			keys = append(keys, k)
		} else {
			rest = append(rest, c)
		}
	}
	if len(rest) == 0 {
		return keys, nil
	}
	residual, err := And(rest...).Resolve(j.combined)
	if err != nil { // the conjuncts resolved before: cannot happen
		return keys, j.Cond
	}
	return keys, residual
}

func (j *Join) equiKey(c Expr) (EquiKey, bool) {
	b, ok := c.(*Binary)
	if !ok || (b.Op != OpEq && b.Op != OpEqNullSafe) || !Hashable(b.Left.Type()) || !IsCheap(b) {
		return EquiKey{}, false
	}
	ll, lr := j.Sides(b.Left)
	rl, rr := j.Sides(b.Right)
	switch {
	case ll && !lr && rr && !rl:
		return EquiKey{Left: b.Left, Right: b.Right, NullSafe: b.Op == OpEqNullSafe}, true
	case lr && !ll && rl && !rr:
		return EquiKey{Left: b.Right, Right: b.Left, NullSafe: b.Op == OpEqNullSafe}, true
	}
	return EquiKey{}, false
}
