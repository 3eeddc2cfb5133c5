package plan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
)

// Columns of the same name meet in a join's output: both inputs of
// orders.Join(customers, cond) may have a column custkey, and the output
// keeps both, as Spark's does. Names alone then cannot tell them apart,
// so a join tags every output column with the plan ID of the input it
// came from (field metadata, see PlanIDsKey), and a Column may carry a
// plan ID (Column.PlanID): it then refers to the column of that name
// whose tags hold the ID — Spark's plan-id qualified reference,
// df.col("x"). Package frame gives every DataFrame an ID, inherited by
// the DataFrames derived from it; a join's output columns accumulate the
// IDs of every join input they passed through.
//
// Tags only decide between columns of the same name: a name that one
// column has resolves to it whatever the qualifier, and an unqualified
// name that several columns have is an error naming the inputs they came
// from.
//
// Names qualify columns too, as Spark's df.alias("a") does: NewAlias
// (frame's df.Alias) gives its input's columns the qualifier a (field
// metadata, QualifiersKey), which they keep through joins, filters and
// projections, and a Column named "a.x" that no column is called refers
// to the column x qualified a. Resolving it gives the reference the
// executor can bind without qualifiers: x, qualified by a plan ID where
// another column is called x (FieldRef). So after
//
//	a, b := df.Alias("a"), df.Alias("b")
//	j := a.Join(b, Col("a.id").Eq(Col("b.id")))
//
// Col("a.x") and Col("b.x") tell j's two columns x apart (an Alias is a
// DataFrame of its own, with its own plan ID, so a.Col("x") does too).

// PlanIDsKey is the field-metadata key of a join output column's tags: the
// plan IDs of the join inputs it came through, comma-separated.
const PlanIDsKey = "ember.plan_ids"

// QualifiersKey is the field-metadata key of a column's qualifiers: the
// names of the aliases (NewAlias) it came through, comma-separated.
const QualifiersKey = "ember.qualifiers"

// joinSideKey is the field-metadata key describing the join input a column
// came from, for ambiguity errors.
const joinSideKey = "ember.join_side"

// LeftInput and RightInput are the plan IDs that mean "the left (right)
// input of the join whose condition this is": in a join condition,
// LeftCol("k") and RightCol("k") tell the two inputs' columns k apart
// without IDs given to the inputs.
const (
	LeftInput  int64 = -1
	RightInput int64 = -2
)

var lastPlanID atomic.Int64

// NewPlanID returns a plan ID no other call in this process returned, for
// a DataFrame (or an SQL table reference) whose columns a join should tag.
func NewPlanID() int64 { return lastPlanID.Add(1) }

// QualifiedCol returns an unresolved reference to the column called name
// of the input whose plan ID is id.
func QualifiedCol(id int64, name string) *Column { return &Column{Name: name, PlanID: id} }

// LeftCol refers, in a join condition, to the left input's column name.
func LeftCol(name string) *Column { return QualifiedCol(LeftInput, name) }

// RightCol refers, in a join condition, to the right input's column name.
func RightCol(name string) *Column { return QualifiedCol(RightInput, name) }

// NewAlias returns input under the name alias (Spark's df.alias): a
// pass-through node (an AliasHint) whose columns are qualified by alias
// alone, replacing the qualifiers they had. alias must be a non-empty
// name without dots.
func NewAlias(input Node, alias string) (*Hint, error) {
	if alias == "" || strings.ContainsAny(alias, ".,`") {
		return nil, fmt.Errorf("plan: alias %q: an alias is a non-empty name without dots, commas or backticks", alias)
	}
	in := input.Schema()
	fields := make([]arrow.Field, in.NumFields())
	for i, f := range in.Fields() {
		fields[i] = setQualifiers(f, []string{alias})
	}
	meta := in.Metadata()
	return &Hint{Input: input, Name: AliasHint, Alias: alias, schema: arrow.NewSchema(fields, &meta)}, nil
}

// Qualifiers returns the qualifiers of f: the aliases it came through.
func Qualifiers(f arrow.Field) []string {
	i := f.Metadata.FindKey(QualifiersKey)
	if i < 0 || f.Metadata.Values()[i] == "" {
		return nil
	}
	return strings.Split(f.Metadata.Values()[i], ",")
}

// setQualifiers returns f with the qualifiers quals (none: without),
// keeping its other metadata.
func setQualifiers(f arrow.Field, quals []string) arrow.Field {
	meta := map[string]string{}
	for i, k := range f.Metadata.Keys() {
		if k != QualifiersKey {
			meta[k] = f.Metadata.Values()[i]
		}
	}
	if len(quals) > 0 {
		meta[QualifiersKey] = strings.Join(quals, ",")
	}
	if len(meta) == 0 {
		f.Metadata = arrow.Metadata{}
	} else {
		f.Metadata = arrow.MetadataFrom(meta)
	}
	return f
}

// addQualifiers returns f with quals added to its qualifiers: a USING
// join's key is both inputs' column, so either alias qualifies it.
func addQualifiers(f arrow.Field, quals ...string) arrow.Field {
	have := Qualifiers(f)
	out := slices.Clone(have)
	for _, q := range quals {
		if !slices.Contains(out, q) {
			out = append(out, q)
		}
	}
	if len(out) == len(have) {
		return f
	}
	return setQualifiers(f, out)
}

// qualifiedIndices are the fields of s that the qualified name q.name
// refers to.
func qualifiedIndices(s *arrow.Schema, qualified string) []int {
	q, name, ok := strings.Cut(qualified, ".")
	if !ok {
		return nil
	}
	var out []int
	for _, i := range s.FieldIndices(name) {
		if slices.Contains(Qualifiers(s.Field(i)), q) {
			out = append(out, i)
		}
	}
	return out
}

// planIDs returns the tags of f.
func planIDs(f arrow.Field) []int64 {
	i := f.Metadata.FindKey(PlanIDsKey)
	if i < 0 {
		return nil
	}
	var out []int64
	for _, s := range strings.Split(f.Metadata.Values()[i], ",") {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// distinguishable reports whether a and b, fields of one name, carry tags
// that tell them apart (see FieldRef).
func distinguishable(a, b arrow.Field) bool {
	ta, tb := planIDs(a), planIDs(b)
	for _, id := range ta {
		if !slices.Contains(tb, id) {
			return true
		}
	}
	for _, id := range tb {
		if !slices.Contains(ta, id) {
			return true
		}
	}
	return false
}

// HasPlanID reports whether field f is tagged with plan ID id.
func HasPlanID(f arrow.Field, id int64) bool { return slices.Contains(planIDs(f), id) }

// tagField returns f tagged with ids (those not 0, added to the tags it
// has) and described as coming from side, keeping its other metadata.
func tagField(f arrow.Field, side string, ids ...int64) arrow.Field {
	tags := planIDs(f)
	for _, id := range ids {
		if id != 0 && !slices.Contains(tags, id) {
			tags = append(tags, id)
		}
	}
	meta := map[string]string{}
	for i, k := range f.Metadata.Keys() {
		meta[k] = f.Metadata.Values()[i]
	}
	if len(tags) > 0 {
		parts := make([]string, len(tags))
		for i, id := range tags {
			parts[i] = strconv.FormatInt(id, 10)
		}
		meta[PlanIDsKey] = strings.Join(parts, ",")
	}
	if side != "" {
		meta[joinSideKey] = side
	}
	if len(meta) > 0 {
		f.Metadata = arrow.MetadataFrom(meta)
	}
	return f
}

// ColumnIndex returns the index of the field of s that c refers to: the
// one field of that name (failing that, of a qualified name "a.x", the
// one field x qualified a); among several, the one tagged with c's plan
// ID.
// The error wraps ErrColumnNotFound when no field has the name, and names
// the inputs the fields came from when the reference is ambiguous.
// The executor binds columns with it, so a resolved qualified Column
// finds its field in every batch of the schema it was resolved against.
func ColumnIndex(s *arrow.Schema, c *Column) (int, error) {
	idx := s.FieldIndices(c.Name)
	if len(idx) == 0 {
		// "a.x": the column x qualified a (NewAlias).
		idx = qualifiedIndices(s, c.Name)
	}
	switch len(idx) {
	case 0:
		return -1, columnNotFound(c.Name, s)
	case 1:
		return idx[0], nil
	}
	if c.PlanID != 0 {
		var match []int
		for _, i := range idx {
			if HasPlanID(s.Field(i), c.PlanID) {
				match = append(match, i)
			}
		}
		if len(match) == 1 {
			return match[0], nil
		}
		if len(match) > 1 {
			return -1, ambiguous(s, c, match, true)
		}
	}
	return -1, ambiguous(s, c, idx, false)
}

// ambiguous is the error of a reference to name that the fields idx of s
// all answer.
func ambiguous(s *arrow.Schema, c *Column, idx []int, qualifiedToo bool) error {
	var sides []string
	for _, i := range idx {
		f := s.Field(i)
		side := "an input"
		if k := f.Metadata.FindKey(joinSideKey); k >= 0 {
			side = f.Metadata.Values()[k]
		}
		sides = append(sides, side)
	}
	var from string
	switch {
	case len(sides) == 2 && sides[0] != sides[1]:
		from = fmt.Sprintf("it is a column of the %s and of the %s", sides[0], sides[1])
	default:
		from = fmt.Sprintf("%d columns have that name (from the %s)", len(idx), strings.Join(sides, "; "))
	}
	var names []string
	for _, i := range idx {
		f := s.Field(i)
		for _, q := range Qualifiers(f) {
			names = append(names, q+"."+f.Name)
		}
	}
	if len(names) > 0 {
		from += " (" + strings.Join(names, ", ") + ")"
	}
	qualified := ""
	if qualifiedToo {
		qualified = " even qualified by its DataFrame (the DataFrame takes part in the join more than once: join a copy made with Select, or join on the column's name)"
	}
	how := fmt.Sprintf("refer to it through the DataFrame it comes from (df.Col(%q))", c.Name)
	if len(names) > 0 {
		how = fmt.Sprintf("qualify it by its alias (Col(%q)) or refer to it through the DataFrame it comes from (df.Col(%q))", names[0], c.Name)
	}
	return fmt.Errorf("plan: column %q is ambiguous%s: %s; %s, or join on the name (Join(other, %q)) to keep one",
		c.Name, qualified, from, how, c.Name)
}

// RebindColumns rewrites e, resolved against from, into an expression
// resolved against to, where from's field i is to's field mapping(i)
// (mapping returns -1 for a field that to lacks, which fails). Columns
// are bound by position, so names that are ambiguous in from (the two
// custkey columns of a join) become whatever to calls those fields.
func RebindColumns(e Expr, from, to *arrow.Schema, mapping func(int) int) (Expr, error) {
	var err error
	out := Transform(e, func(x Expr) Expr {
		c, ok := x.(*Column)
		if !ok || err != nil {
			return x
		}
		i, ierr := ColumnIndex(from, c)
		if ierr != nil {
			err = ierr
			return x
		}
		j := mapping(i)
		if j < 0 || j >= to.NumFields() {
			err = fmt.Errorf("plan: column %q is not available here", c.Name)
			return x
		}
		ref, rerr := FieldRef(to, j)
		if rerr != nil {
			err = rerr
			return x
		}
		return ref
	})
	if err != nil {
		return nil, err
	}
	return out.Resolve(to)
}

// FieldRef returns an unresolved Column that refers to field i of s: its
// name, qualified by a tag of the field that no other field of that name
// has when the name is not unique. It fails when nothing tells the field
// apart.
func FieldRef(s *arrow.Schema, i int) (*Column, error) {
	f := s.Field(i)
	idx := s.FieldIndices(f.Name)
	if len(idx) == 1 {
		return Col(f.Name), nil
	}
	for _, id := range planIDs(f) {
		unique := true
		for _, k := range idx {
			if k != i && HasPlanID(s.Field(k), id) {
				unique = false
				break
			}
		}
		if unique {
			return QualifiedCol(id, f.Name), nil
		}
	}
	return nil, ambiguous(s, Col(f.Name), idx, false)
}
