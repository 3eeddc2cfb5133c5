package plan

import (
	"fmt"
	"math"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// WindowFunc is a function computed over a window of rows: a ranking
// function, an offset function (lag, lead) or an aggregate over a frame.
type WindowFunc int

// The window functions, with Spark's semantics and result types.
const (
	// WinRowNumber numbers the rows of a window partition from 1 (int32).
	WinRowNumber WindowFunc = iota
	// WinRank is 1 + the number of rows that sort strictly before the
	// row: peers (equal order keys) share a rank, with gaps after (int32).
	WinRank
	// WinDenseRank is WinRank without gaps (int32).
	WinDenseRank
	// WinPercentRank is (rank - 1) / (rows in the partition - 1), 0 for a
	// partition of one row (float64).
	WinPercentRank
	// WinNtile splits the partition into N buckets numbered from 1 whose
	// sizes differ by at most one, the larger first (int32).
	WinNtile
	// WinLag is the argument N rows before the row in the partition, or
	// Default (NULL without one) where there is no such row.
	WinLag
	// WinLead is the argument N rows after the row, or Default.
	WinLead
	// WinCount counts the frame's non-NULL values (its rows without an
	// argument, as count(*)); int64.
	WinCount
	// WinSum adds the frame's non-NULL values: int64 for integers, float64
	// for floats; NULL for a frame without values.
	WinSum
	// WinAvg is the mean of the frame's non-NULL values (float64).
	WinAvg
	// WinMin and WinMax are the smallest and largest non-NULL values of
	// the frame, of the argument's type.
	WinMin
	WinMax
	// WinFirst and WinLast are the value (NULL included, as Spark's first
	// and last without ignoreNulls) of the frame's first and last row.
	WinFirst
	WinLast
	// WinNthValue is the value (NULL included, unless IgnoreNulls) of the
	// frame's N-th row, counting from 1; NULL when the frame has fewer
	// rows (Spark's nth_value, which reads the window's frame).
	WinNthValue
	// WinCumeDist is the share of the partition's rows that sort at or
	// before the row, peers included: (rows up to the row's last peer) /
	// (rows in the partition), in (0, 1] (float64).
	WinCumeDist
)

var windowFuncNames = [...]string{"row_number", "rank", "dense_rank", "percent_rank", "ntile", "lag", "lead",
	"count", "sum", "avg", "min", "max", "first", "last", "nth_value", "cume_dist"}

func (f WindowFunc) String() string { return windowFuncNames[f] }

// IsAggregate reports whether f is an aggregate computed over a frame.
func (f WindowFunc) IsAggregate() bool { return f >= WinCount && f <= WinLast }

// needsOrder reports whether f needs an ordered window (Spark: "requires
// window to be ordered").
func (f WindowFunc) needsOrder() bool { return !f.IsAggregate() }

// FrameType says how a window frame's bounds are measured.
type FrameType int

// The frame types.
const (
	// RangeFrame measures bounds in values of the (single) order key;
	// CURRENT ROW includes the row's peers.
	RangeFrame FrameType = iota
	// RowsFrame measures bounds in rows.
	RowsFrame
)

func (t FrameType) String() string { return [...]string{"RANGE", "ROWS"}[t] }

// Frame bounds are offsets from the current row, as in Spark's
// rowsBetween and rangeBetween: negative is PRECEDING, positive
// FOLLOWING, and these constants mark the ends of the partition.
const (
	UnboundedPreceding int64 = math.MinInt64
	UnboundedFollowing int64 = math.MaxInt64
	CurrentRow         int64 = 0
)

// Frame is a window frame: the rows, around each row of the partition,
// that an aggregate reads. Start <= End; Start is not UnboundedFollowing
// and End not UnboundedPreceding.
type Frame struct {
	Type       FrameType
	Start, End int64
}

func formatBound(b int64) string {
	switch {
	case b == UnboundedPreceding:
		return "UNBOUNDED PRECEDING"
	case b == UnboundedFollowing:
		return "UNBOUNDED FOLLOWING"
	case b == 0:
		return "CURRENT ROW"
	case b < 0:
		return fmt.Sprintf("%d PRECEDING", -b)
	}
	return fmt.Sprintf("%d FOLLOWING", b)
}

func (f Frame) String() string {
	return fmt.Sprintf("%s BETWEEN %s AND %s", f.Type, formatBound(f.Start), formatBound(f.End))
}

// Unbounded reports whether the frame is the whole partition.
func (f Frame) Unbounded() bool {
	return f.Start == UnboundedPreceding && f.End == UnboundedFollowing
}

// check validates the bounds against the window's order keys.
func (f Frame) check(orders []SortOrder) error {
	switch {
	case f.Start == UnboundedFollowing:
		return fmt.Errorf("the frame cannot start at UNBOUNDED FOLLOWING")
	case f.End == UnboundedPreceding:
		return fmt.Errorf("the frame cannot end at UNBOUNDED PRECEDING")
	case f.Start > f.End:
		return fmt.Errorf("the frame's lower bound (%s) is above its upper bound (%s)", formatBound(f.Start), formatBound(f.End))
	}
	if f.Type == RowsFrame {
		return nil
	}
	bounded := func(b int64) bool { return b != 0 && b != UnboundedPreceding && b != UnboundedFollowing }
	if !bounded(f.Start) && !bounded(f.End) {
		return nil
	}
	if len(orders) != 1 {
		return fmt.Errorf("a RANGE frame with a value offset (%s) needs exactly one ORDER BY key, not %d", f, len(orders))
	}
	if t := orders[0].Expr.Type(); !IsNumeric(t) {
		return fmt.Errorf("a RANGE frame with a value offset (%s) needs a numeric ORDER BY key; %s is %s", f, orders[0].Expr, t)
	}
	return nil
}

// WindowSpec is the OVER clause of a window function: how rows are
// partitioned, how each partition is ordered, and the frame. A nil Frame
// is Spark's default: with ORDER BY, RANGE BETWEEN UNBOUNDED PRECEDING AND
// CURRENT ROW; without, the whole partition.
type WindowSpec struct {
	PartitionBy []Expr
	OrderBy     []SortOrder
	Frame       *Frame
}

// DefaultFrame is the frame of spec when it names none.
func (s WindowSpec) DefaultFrame() Frame {
	if len(s.OrderBy) > 0 {
		return Frame{Type: RangeFrame, Start: UnboundedPreceding, End: CurrentRow}
	}
	return Frame{Type: RowsFrame, Start: UnboundedPreceding, End: UnboundedFollowing}
}

func (s WindowSpec) String() string {
	var parts []string
	if len(s.PartitionBy) > 0 {
		parts = append(parts, "PARTITION BY "+strings.Trim(FormatExprs(s.PartitionBy), "[]"))
	}
	if len(s.OrderBy) > 0 {
		parts = append(parts, "ORDER BY "+strings.Trim(FormatOrders(s.OrderBy), "[]"))
	}
	if s.Frame != nil {
		parts = append(parts, s.Frame.String())
	}
	return strings.Join(parts, " ")
}

// sameKeys reports whether two resolved specs partition and order alike,
// so one Window node (one sort) can compute both.
func (s WindowSpec) sameKeys(o WindowSpec) bool {
	return FormatExprs(s.PartitionBy) == FormatExprs(o.PartitionBy) && FormatOrders(s.OrderBy) == FormatOrders(o.OrderBy)
}

// WindowExpr is one window function over a window: Func over Args (one
// argument for lag, lead and the aggregates; none for the ranking
// functions and count(*)), producing the column Name.
type WindowExpr struct {
	Func WindowFunc
	Args []Expr
	// N is ntile's number of buckets, the row offset of lag and lead
	// (Spark's default offset is 1: callers set it) and nth_value's row
	// of the frame (from 1); unused otherwise.
	N int64
	// Default is lag's and lead's value where the offset row does not
	// exist (nil: NULL).
	Default Expr
	// IgnoreNulls makes first and last take the frame's first or last
	// non-NULL value (Spark's first(x, true)), and nth_value its N-th
	// non-NULL value.
	IgnoreNulls bool
	Spec        WindowSpec
	Name        string

	frame Frame // the effective frame, set by resolve
	typ   arrow.DataType
}

// Type is the result type of a resolved window expression.
func (w WindowExpr) Type() arrow.DataType { return w.typ }

// EffectiveFrame is the frame a resolved expression computes over: the
// spec's, or its default. Ranking and offset functions report the frame
// Spark gives them (ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW, and
// ROWS BETWEEN -N AND -N for lag).
func (w WindowExpr) EffectiveFrame() Frame { return w.frame }

// Call is the function call without its window: "rank()", "sum(x)",
// "lag(x, 1, NULL)".
func (w WindowExpr) Call() string {
	var args []string
	for _, a := range w.Args {
		args = append(args, a.String())
	}
	switch w.Func {
	case WinNtile:
		args = append(args, fmt.Sprint(w.N))
	case WinLag, WinLead:
		d := "NULL"
		if w.Default != nil {
			d = w.Default.String()
		}
		args = append(args, fmt.Sprint(w.N), d)
	case WinCount:
		if len(args) == 0 {
			args = []string{"1"}
		}
	case WinFirst, WinLast:
		if w.IgnoreNulls {
			args = append(args, "true")
		}
	case WinNthValue:
		args = append(args, fmt.Sprint(w.N))
		if w.IgnoreNulls {
			args = append(args, "true")
		}
	}
	return fmt.Sprintf("%s(%s)", w.Func, strings.Join(args, ", "))
}

// DefaultName is Spark's name for the column: the call and its window,
// "rank() OVER (PARTITION BY k ORDER BY v ASC NULLS FIRST)".
func (w WindowExpr) DefaultName() string {
	return fmt.Sprintf("%s OVER (%s)", w.Call(), w.Spec)
}

func (w WindowExpr) String() string {
	s := w.DefaultName()
	if w.Name != "" && w.Name != s {
		s += " AS " + w.Name
	}
	return s
}

// resolve type-checks w against in, following Spark's rules. Errors name
// the function and what is wrong.
func (w WindowExpr) resolve(in *arrow.Schema) (WindowExpr, error) {
	fail := func(format string, args ...any) (WindowExpr, error) {
		return WindowExpr{}, typeError("window function %s: %s", w.Call(), fmt.Sprintf(format, args...))
	}
	if w.Func < 0 || int(w.Func) >= len(windowFuncNames) {
		return WindowExpr{}, typeError("unknown window function %d", int(w.Func))
	}
	out := w
	var err error
	if out.Spec.PartitionBy, err = resolveAll(w.Spec.PartitionBy, in); err != nil {
		return WindowExpr{}, err
	}
	for _, k := range out.Spec.PartitionBy {
		if !Hashable(k.Type()) {
			return fail("cannot partition by %s of type %s", k, k.Type())
		}
	}
	out.Spec.OrderBy = make([]SortOrder, len(w.Spec.OrderBy))
	for i, o := range w.Spec.OrderBy {
		r, err := o.Expr.Resolve(in)
		if err != nil {
			return WindowExpr{}, err
		}
		if !orderable(r.Type()) {
			return fail("cannot order by %s of type %s", r, r.Type())
		}
		out.Spec.OrderBy[i] = SortOrder{Expr: r, Descending: o.Descending, NullsFirst: o.NullsFirst}
	}
	if out.Args, err = resolveAll(w.Args, in); err != nil {
		return WindowExpr{}, err
	}
	for _, a := range out.Args {
		if containsWindowCall(a) {
			return fail("a window function cannot take another window function as its argument")
		}
	}
	if w.Func.needsOrder() && len(w.Spec.OrderBy) == 0 {
		return fail("the window needs an ORDER BY (Window.PartitionBy(…).OrderBy(…))")
	}
	wantArgs := 0
	switch w.Func {
	case WinLag, WinLead, WinSum, WinAvg, WinMin, WinMax, WinFirst, WinLast, WinNthValue:
		wantArgs = 1
	case WinCount:
		wantArgs = min(len(w.Args), 1)
	}
	if len(w.Args) != wantArgs {
		return fail("takes %d column arguments, got %d", wantArgs, len(w.Args))
	}
	if w.Func != WinLag && w.Func != WinLead && w.Default != nil {
		return fail("only lag and lead take a default value")
	}
	if w.Func != WinFirst && w.Func != WinLast && w.Func != WinNthValue && w.IgnoreNulls {
		return fail("only first, last and nth_value take ignoreNulls")
	}
	// The frame: ranking and offset functions have a fixed one, which an
	// explicit frame must match, as in Spark.
	var fixed *Frame
	switch w.Func {
	case WinRowNumber, WinRank, WinDenseRank, WinPercentRank, WinNtile:
		fixed = &Frame{Type: RowsFrame, Start: UnboundedPreceding, End: CurrentRow}
	case WinCumeDist:
		fixed = &Frame{Type: RangeFrame, Start: UnboundedPreceding, End: CurrentRow}
	case WinLag, WinLead:
		off := w.N
		if w.Func == WinLag {
			off = -off
		}
		fixed = &Frame{Type: RowsFrame, Start: off, End: off}
	}
	switch {
	case fixed != nil:
		if w.Spec.Frame != nil && *w.Spec.Frame != *fixed {
			return fail("the window's frame (%s) must be %s, the frame of %s, or none", w.Spec.Frame, fixed, w.Func)
		}
		out.frame = *fixed
	case w.Spec.Frame != nil:
		out.frame = *w.Spec.Frame
	default:
		out.frame = w.Spec.DefaultFrame()
	}
	if fixed == nil {
		if err := out.frame.check(out.Spec.OrderBy); err != nil {
			return fail("%v", err)
		}
	}
	switch w.Func {
	case WinRowNumber, WinRank, WinDenseRank:
		out.typ = arrow.PrimitiveTypes.Int32
	case WinNtile:
		if w.N <= 0 {
			return fail("the number of buckets must be positive, got %d", w.N)
		}
		out.typ = arrow.PrimitiveTypes.Int32
	case WinPercentRank, WinCumeDist:
		out.typ = arrow.PrimitiveTypes.Float64
	case WinNthValue:
		if w.N <= 0 {
			return fail("the row (n) must be positive, got %d", w.N)
		}
		out.typ = out.Args[0].Type()
	case WinLag, WinLead:
		t := out.Args[0].Type()
		if t.ID() == arrow.NULL {
			return fail("the argument has no type (a NULL literal)")
		}
		out.typ = t
		if w.Default != nil {
			d, err := w.Default.Resolve(in)
			if err != nil {
				return WindowExpr{}, err
			}
			if !arrow.TypeEqual(d.Type(), t) {
				if d, err = (&Cast{Child: d, To: t}).Resolve(in); err != nil {
					return fail("the default %s does not convert to the argument's type %s: %v", w.Default, t, err)
				}
			}
			out.Default = d
		}
	case WinCount:
		out.typ = arrow.PrimitiveTypes.Int64
	case WinSum:
		switch t := out.Args[0].Type(); {
		case isInteger(t):
			out.typ = arrow.PrimitiveTypes.Int64
		case isFloat(t):
			out.typ = arrow.PrimitiveTypes.Float64
		default:
			return fail("%s is not numeric", t)
		}
	case WinAvg:
		if t := out.Args[0].Type(); !IsNumeric(t) {
			return fail("%s is not numeric", t)
		}
		out.typ = arrow.PrimitiveTypes.Float64
	case WinMin, WinMax:
		t := out.Args[0].Type()
		if !orderable(t) || t.ID() == arrow.NULL {
			return fail("cannot compare values of type %s", t)
		}
		out.typ = t
	case WinFirst, WinLast:
		out.typ = out.Args[0].Type()
	}
	if out.Name == "" {
		out.Name = out.DefaultName()
	}
	return out, nil
}

// Window computes window functions: its output is the input's columns,
// then one column per expression, in order. Every row of the input is
// kept, one for one (in an order of the executor's choosing: by window
// partition and order keys).
//
// All expressions of one Window share their PARTITION BY and ORDER BY
// keys (their frames may differ): one Window node is one sort of its
// input, as Spark's Window operator. Expressions over different windows
// go in Windows stacked on each other; Projection does that for window
// calls in a select list.
type Window struct {
	Input  Node
	Exprs  []WindowExpr
	schema *arrow.Schema
}

// NewWindow resolves window expressions against input's schema and
// builds the node computing them; it is the constructor for SQL's OVER
// clauses and the DataFrame API's Over. It fails (wrapping ErrType, naming
// the function) for a function without a required ORDER BY, an argument
// of the wrong type, a frame a function does not take or that is not
// valid, expressions over different PARTITION BY/ORDER BY keys, or an
// output name that the input or another expression has. An expression
// without a Name gets its DefaultName.
func NewWindow(input Node, exprs ...WindowExpr) (*Window, error) {
	if len(exprs) == 0 {
		return nil, typeError("window: no window expressions")
	}
	in := input.Schema()
	resolved := make([]WindowExpr, len(exprs))
	fields := append([]arrow.Field(nil), in.Fields()...)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.Name] = true
	}
	for i, x := range exprs {
		r, err := x.resolve(in)
		if err != nil {
			return nil, err
		}
		if i > 0 && !r.Spec.sameKeys(resolved[0].Spec) {
			return nil, typeError("window: %s and %s partition or order differently: build one Window per window (plan.Projection does)", resolved[0], r)
		}
		if seen[r.Name] {
			return nil, typeError("window: duplicate column name %q", r.Name)
		}
		seen[r.Name] = true
		resolved[i] = r
		fields = append(fields, arrow.Field{Name: r.Name, Type: r.typ, Nullable: true})
	}
	return &Window{Input: input, Exprs: resolved, schema: arrow.NewSchema(fields, nil)}, nil
}

// PartitionBy is the partition keys every expression shares.
func (w *Window) PartitionBy() []Expr { return w.Exprs[0].Spec.PartitionBy }

// OrderBy is the order keys every expression shares.
func (w *Window) OrderBy() []SortOrder { return w.Exprs[0].Spec.OrderBy }

// Outputs are the names of the columns the window adds.
func (w *Window) Outputs() []string {
	out := make([]string, len(w.Exprs))
	for i, x := range w.Exprs {
		out[i] = x.Name
	}
	return out
}

// ReadExprs are the expressions the window reads from its input: keys,
// arguments and defaults.
func (w *Window) ReadExprs() []Expr {
	out := append([]Expr(nil), w.PartitionBy()...)
	for _, o := range w.OrderBy() {
		out = append(out, o.Expr)
	}
	for _, x := range w.Exprs {
		out = append(out, x.Args...)
		if x.Default != nil {
			out = append(out, x.Default)
		}
	}
	return out
}

func (w *Window) Schema() *arrow.Schema { return w.schema }
func (w *Window) Children() []Node      { return []Node{w.Input} }

// String implements Node.
func (w *Window) String() string {
	parts := make([]string, len(w.Exprs))
	for i, x := range w.Exprs {
		parts[i] = fmt.Sprintf("%s %s AS %s", x.Call(), x.frame, x.Name)
	}
	return fmt.Sprintf("Window [%s] partition=%s order=%s", strings.Join(parts, ", "), FormatExprs(w.PartitionBy()), FormatOrders(w.OrderBy()))
}

// WithChildren implements Node.
func (w *Window) WithChildren(c []Node) (Node, error) {
	if sameSchema(w.Input.Schema(), c[0].Schema()) {
		return &Window{Input: c[0], Exprs: w.Exprs, schema: w.schema}, nil
	}
	return NewWindow(c[0], w.Exprs...)
}
