package exec

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"strings"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// accumulator holds the running state of one aggregate for every group.
// failingAccumulator is an accumulator whose input can make the result
// wrong (an integer sum overflowing): failure says so after update or
// mergeState.
type failingAccumulator interface {
	failure() error
}

// errOverflow is the failure of an integer aggregate that left its type's
// range.
var errOverflow = errors.New("integer overflow: the result does not fit in int64 (cast the column to double first, or filter the outliers)")

type accumulator interface {
	// resize makes room for n groups.
	resize(n int)
	// update folds row i of arg into group groups[i]; arg is nil for
	// count(*).
	update(groups []int32, arg arrow.Array)
	// build returns the final values, one per group, of type t.
	build(mem memory.Allocator, t arrow.DataType) arrow.Array
	// state returns the partial state of every group as columns of the
	// types stateTypes gives, for the final aggregation of another stage.
	state(mem memory.Allocator, t arrow.DataType) []arrow.Array
	// mergeState folds row i of state columns (from state) into group
	// groups[i].
	mergeState(groups []int32, state []arrow.Array)
}

// stateTypes are the types of the partial state columns of aggregate a:
// a sum and a count for an average, else the aggregate's own type.
//
// The other aggregates' states are in their files (accumulators_*.go):
// count, mean and M2 for the variances; the value and whether it is set
// for first and last; the list for collect_list and collect_set; a
// binary sketch for approx_count_distinct and percentile_approx.
func stateTypes(a plan.AggExpr) []arrow.DataType {
	switch a.Func {
	case plan.AggAvg:
		return []arrow.DataType{arrow.PrimitiveTypes.Float64, arrow.PrimitiveTypes.Int64}
	case plan.AggStddev, plan.AggStddevSamp, plan.AggStddevPop, plan.AggVariance, plan.AggVarSamp, plan.AggVarPop:
		return momentsStateTypes
	case plan.AggFirst, plan.AggLast:
		return []arrow.DataType{a.Type(), arrow.FixedWidthTypes.Boolean}
	case plan.AggApproxCountDistinct, plan.AggPercentileApprox:
		return []arrow.DataType{arrow.BinaryTypes.Binary}
	}
	return []arrow.DataType{a.Type()}
}

// newAccumulator returns an empty accumulator of a; those that hold Arrow
// memory (releasingAccumulator) allocate it from mem.
func newAccumulator(a plan.AggExpr, mem memory.Allocator) (accumulator, error) {
	if err := checkDistinct(a); err != nil {
		return nil, err
	}
	var argType arrow.DataType
	if a.Arg != nil {
		argType = a.Arg.Type()
	}
	switch a.Func {
	case plan.AggStddev, plan.AggStddevSamp, plan.AggStddevPop, plan.AggVariance, plan.AggVarSamp, plan.AggVarPop:
		return &momentsAcc{fn: a.Func}, nil
	case plan.AggFirst, plan.AggLast:
		return newPickAcc(a, mem), nil
	case plan.AggCollectList, plan.AggCollectSet:
		return newCollectAcc(a, mem), nil
	case plan.AggApproxCountDistinct:
		return &hllAcc{p: a.HLLPrecision()}, nil
	case plan.AggPercentileApprox:
		return newPercentileAcc(a), nil
	case plan.AggCount:
		return &countAcc{}, nil
	case plan.AggAvg:
		return &avgAcc{}, nil
	case plan.AggSum:
		if a.Type().ID() == arrow.INT64 {
			return &sumAcc[int64]{get: sumInt64Getter}, nil
		}
		return &sumAcc[float64]{get: eval.Float64Getter}, nil
	case plan.AggMin, plan.AggMax:
		isMax := a.Func == plan.AggMax
		switch argType.ID() {
		case arrow.FLOAT32, arrow.FLOAT64:
			return &extremeAcc[float64]{max: isMax, compare: compareFloats, get: eval.Float64Getter, put: func(b array.Builder, v float64) {
				switch b := b.(type) {
				case *array.Float64Builder:
					b.Append(v)
				case *array.Float32Builder:
					b.Append(float32(v))
				}
			}}, nil
		case arrow.UINT64:
			// Compared as uint64: through float64, values above 2^53
			// lost precision and the largest ones converted back wrongly.
			return &extremeAcc[uint64]{max: isMax, compare: cmp.Compare[uint64], get: func(arr arrow.Array) (func(int) uint64, bool) {
				return arr.(*array.Uint64).Value, true
			}, put: func(b array.Builder, v uint64) { b.(*array.Uint64Builder).Append(v) }}, nil
		case arrow.STRING:
			// A string's Value points into its batch's buffer: the state
			// keeps a copy, not the batch.
			return &extremeAcc[string]{max: isMax, compare: cmp.Compare[string], get: func(arr arrow.Array) (func(int) string, bool) {
				return arr.(*array.String).Value, true
			}, put: func(b array.Builder, v string) { b.(*array.StringBuilder).Append(v) }, keep: strings.Clone, size: func(v string) int64 { return int64(len(v)) }}, nil
		}
		if eval.IntegerLike(argType) {
			return &extremeAcc[int64]{max: isMax, compare: cmp.Compare[int64], get: eval.Int64Getter, put: eval.AppendInt64As}, nil
		}
	}
	return nil, fmt.Errorf("exec: %s of %s is not supported", a.Func, argType)
}

// sumInt64Getter reads what sum adds up as int64: eval.Int64Getter's types plus
// uint64 (which plan sums into int64; a value above MaxInt64 is an
// overflow, which sumAcc.update detects).
func sumInt64Getter(arr arrow.Array) (func(int) int64, bool) {
	if a, ok := arr.(*array.Uint64); ok {
		return func(i int) int64 { return int64(a.Value(i)) }, true
	}
	return eval.Int64Getter(arr)
}

type countAcc struct{ counts []int64 }

func (c *countAcc) resize(n int)     { c.counts = grow(c.counts, n) }
func (c *countAcc) reserve(n int)    { c.counts = reserveSlots(c.counts, n) }
func (c *countAcc) capacity() int    { return cap(c.counts) }
func (c *countAcc) slotBytes() int64 { return 8 }
func (c *countAcc) clear()           { c.counts = c.counts[:0] }
func (c *countAcc) update(groups []int32, arg arrow.Array) {
	for i, g := range groups {
		if arg == nil || arg.IsValid(i) {
			c.counts[g]++
		}
	}
}
func (c *countAcc) build(mem memory.Allocator, t arrow.DataType) arrow.Array {
	return c.buildRange(mem, t, 0, len(c.counts))
}
func (c *countAcc) buildRange(mem memory.Allocator, _ arrow.DataType, lo, hi int) arrow.Array {
	b := array.NewInt64Builder(mem)
	defer b.Release()
	b.AppendValues(c.counts[lo:hi], nil)
	return b.NewArray()
}
func (c *countAcc) state(mem memory.Allocator, t arrow.DataType) []arrow.Array {
	return c.stateRange(mem, t, 0, len(c.counts))
}
func (c *countAcc) stateRange(mem memory.Allocator, t arrow.DataType, lo, hi int) []arrow.Array {
	return []arrow.Array{c.buildRange(mem, t, lo, hi)}
}
func (c *countAcc) mergeState(groups []int32, state []arrow.Array) {
	counts := state[0].(*array.Int64)
	for i, g := range groups {
		c.counts[g] += counts.Value(i)
	}
}

type sumAcc[T int64 | float64] struct {
	sums []T
	seen []bool
	get  func(arrow.Array) (func(int) T, bool)
	// overflowed is set when an integer sum left int64's range: the
	// aggregate then fails (ANSI SQL, Spark 4's default) rather than
	// wrap around to a wrong number.
	overflowed bool
}

func (s *sumAcc[T]) resize(n int)  { s.sums, s.seen = grow(s.sums, n), grow(s.seen, n) }
func (s *sumAcc[T]) reserve(n int) { s.sums, s.seen = reserveSlots(s.sums, n), reserveSlots(s.seen, n) }
func (s *sumAcc[T]) capacity() int { return min(cap(s.sums), cap(s.seen)) }
func (s *sumAcc[T]) slotBytes() int64 {
	return 9
}
func (s *sumAcc[T]) clear() { s.sums, s.seen = s.sums[:0], s.seen[:0] }
func (s *sumAcc[T]) update(groups []int32, arg arrow.Array) {
	if s.updateDense(groups, arg) { // no NULLs, the sum's own type
		return
	}
	get, _ := s.get(arg)
	unsigned, _ := arg.(*array.Uint64)
	checked := isInt[T]() // once per batch, not per row
	for i, g := range groups {
		if arg.IsValid(i) {
			if unsigned != nil && unsigned.Value(i) > math.MaxInt64 {
				s.overflowed = true
			}
			v := get(i)
			sum := s.sums[g] + v
			// Two's complement: the sum overflowed when both operands
			// have the same sign and the result has the other (never
			// for floats, whose sums only reach infinity).
			if checked && (s.sums[g] >= 0) == (v >= 0) && (sum >= 0) != (v >= 0) {
				s.overflowed = true
			}
			s.sums[g] = sum
			s.seen[g] = true
		}
	}
}

// isInt reports whether T is an integer type.
func isInt[T int64 | float64]() bool {
	var one T = 1
	return one/2 == 0
}

// failure implements failingAccumulator.
func (s *sumAcc[T]) failure() error {
	if s.overflowed {
		return errOverflow
	}
	return nil
}
func (s *sumAcc[T]) state(mem memory.Allocator, t arrow.DataType) []arrow.Array {
	return s.stateRange(mem, t, 0, len(s.sums))
}
func (s *sumAcc[T]) stateRange(mem memory.Allocator, t arrow.DataType, lo, hi int) []arrow.Array {
	return []arrow.Array{s.buildRange(mem, t, lo, hi)}
}

// mergeState adds partial sums as values: NULL (no value) adds nothing.
func (s *sumAcc[T]) mergeState(groups []int32, state []arrow.Array) { s.update(groups, state[0]) }
func (s *sumAcc[T]) build(mem memory.Allocator, t arrow.DataType) arrow.Array {
	return s.buildRange(mem, t, 0, len(s.sums))
}
func (s *sumAcc[T]) buildRange(mem memory.Allocator, t arrow.DataType, lo, hi int) arrow.Array {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	b.Resize(hi - lo) // exactly: appends would round it up to a power of two
	for g := lo; g < hi; g++ {
		v := s.sums[g]
		switch {
		case !s.seen[g]:
			b.AppendNull()
		case t.ID() == arrow.INT64:
			b.(*array.Int64Builder).Append(int64(v))
		default:
			b.(*array.Float64Builder).Append(float64(v))
		}
	}
	return b.NewArray()
}

type avgAcc struct {
	sums   []float64
	counts []int64
}

func (a *avgAcc) resize(n int) { a.sums, a.counts = grow(a.sums, n), grow(a.counts, n) }
func (a *avgAcc) reserve(n int) {
	a.sums, a.counts = reserveSlots(a.sums, n), reserveSlots(a.counts, n)
}
func (a *avgAcc) capacity() int    { return min(cap(a.sums), cap(a.counts)) }
func (a *avgAcc) slotBytes() int64 { return 16 }
func (a *avgAcc) clear()           { a.sums, a.counts = a.sums[:0], a.counts[:0] }
func (a *avgAcc) update(groups []int32, arg arrow.Array) {
	if a.updateDense(groups, arg) { // no NULLs, float64 or int64
		return
	}
	get, _ := eval.Float64Getter(arg)
	for i, g := range groups {
		if arg.IsValid(i) {
			a.sums[g] += get(i)
			a.counts[g]++
		}
	}
}
func (a *avgAcc) state(mem memory.Allocator, t arrow.DataType) []arrow.Array {
	return a.stateRange(mem, t, 0, len(a.sums))
}
func (a *avgAcc) stateRange(mem memory.Allocator, _ arrow.DataType, lo, hi int) []arrow.Array {
	sums := array.NewFloat64Builder(mem)
	defer sums.Release()
	sums.AppendValues(a.sums[lo:hi], nil)
	counts := array.NewInt64Builder(mem)
	defer counts.Release()
	counts.AppendValues(a.counts[lo:hi], nil)
	return []arrow.Array{sums.NewArray(), counts.NewArray()}
}
func (a *avgAcc) mergeState(groups []int32, state []arrow.Array) {
	sums, counts := state[0].(*array.Float64), state[1].(*array.Int64)
	for i, g := range groups {
		a.sums[g] += sums.Value(i)
		a.counts[g] += counts.Value(i)
	}
}
func (a *avgAcc) build(mem memory.Allocator, t arrow.DataType) arrow.Array {
	return a.buildRange(mem, t, 0, len(a.sums))
}
func (a *avgAcc) buildRange(mem memory.Allocator, _ arrow.DataType, lo, hi int) arrow.Array {
	b := array.NewFloat64Builder(mem)
	defer b.Release()
	b.Resize(hi - lo)
	for g := lo; g < hi; g++ {
		s := a.sums[g]
		if a.counts[g] == 0 {
			b.AppendNull()
		} else {
			b.Append(s / float64(a.counts[g]))
		}
	}
	return b.NewArray()
}

// extremeAcc computes min or max; floats order as in Spark (NaN above
// every number).
type extremeAcc[T cmp.Ordered] struct {
	max     bool
	compare func(a, b T) int
	vals    []T
	seen    []bool
	get     func(arrow.Array) (func(int) T, bool)
	put     func(array.Builder, T)
	// keep, when set, copies a value the state keeps (one that points
	// into its batch); size is then the bytes such a copy holds, which
	// held adds up for grown.
	keep           func(T) T
	size           func(T) int64
	held, reported int64
}

func (e *extremeAcc[T]) resize(n int) { e.vals, e.seen = grow(e.vals, n), grow(e.seen, n) }
func (e *extremeAcc[T]) reserve(n int) {
	e.vals, e.seen = reserveSlots(e.vals, n), reserveSlots(e.seen, n)
}
func (e *extremeAcc[T]) capacity() int { return min(cap(e.vals), cap(e.seen)) }
func (e *extremeAcc[T]) slotBytes() int64 {
	var v T
	return int64(unsafe.Sizeof(v)) + 1
}

// clear empties the state, dropping the copies it kept; what they held
// is not reported as shrinking: the table counts itself anew.
func (e *extremeAcc[T]) clear() {
	clear(e.vals)
	e.vals, e.seen = e.vals[:0], e.seen[:0]
	e.held, e.reported = 0, 0
}
func (e *extremeAcc[T]) offer(g int32, v T) {
	c := e.compare(v, e.vals[g])
	if !e.seen[g] || (e.max && c > 0) || (!e.max && c < 0) {
		if e.keep != nil {
			e.held += e.size(v) - e.size(e.vals[g])
			v = e.keep(v)
		}
		e.vals[g], e.seen[g] = v, true
	}
}

var _ growingAccumulator = (*extremeAcc[string])(nil)

// grown implements growingAccumulator: the bytes the kept copies grew by.
// It reports no largest group: one value is never larger than the batch
// it came from.
func (e *extremeAcc[T]) grown() (delta, largest int64) {
	d := e.held - e.reported
	e.reported = e.held
	return d, 0
}

func (e *extremeAcc[T]) update(groups []int32, arg arrow.Array) {
	get, _ := e.get(arg)
	for i, g := range groups {
		if arg.IsValid(i) {
			e.offer(g, get(i))
		}
	}
}
func (e *extremeAcc[T]) state(mem memory.Allocator, t arrow.DataType) []arrow.Array {
	return e.stateRange(mem, t, 0, len(e.vals))
}
func (e *extremeAcc[T]) stateRange(mem memory.Allocator, t arrow.DataType, lo, hi int) []arrow.Array {
	return []arrow.Array{e.buildRange(mem, t, lo, hi)}
}

// mergeState offers partial extremes as values: NULL (none) offers nothing.
func (e *extremeAcc[T]) mergeState(groups []int32, state []arrow.Array) { e.update(groups, state[0]) }
func (e *extremeAcc[T]) build(mem memory.Allocator, t arrow.DataType) arrow.Array {
	return e.buildRange(mem, t, 0, len(e.vals))
}
func (e *extremeAcc[T]) buildRange(mem memory.Allocator, t arrow.DataType, lo, hi int) arrow.Array {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	b.Resize(hi - lo)
	if sb, ok := b.(*array.StringBuilder); ok && e.size != nil {
		var n int64
		for g := lo; g < hi; g++ {
			n += e.size(e.vals[g])
		}
		sb.ReserveData(int(n))
	}
	for g := lo; g < hi; g++ {
		v := e.vals[g]
		if e.seen[g] {
			e.put(b, v)
		} else {
			b.AppendNull()
		}
	}
	return b.NewArray()
}

// slotAccumulator is an accumulator whose state is a slot of fixed size
// a group in slices that grow together (count, sum, avg, min, max). The
// group table measures what it holds exactly, grows it ahead of new
// groups by a quarter at least (reserving the bytes first), and keeps it
// when it is reset after handing its groups on: the table refills to
// about the size it had, and regrowing from nothing would copy each
// slice several times over — garbage the heap must hold until the next
// collection. It builds values and states a range of groups at a time,
// so that the table hands them on in batches rather than in one more
// copy of itself.
type slotAccumulator interface {
	accumulator
	// slotBytes is the bytes one group takes over all the slices.
	slotBytes() int64
	// capacity is the number of groups the slices have room for.
	capacity() int
	// reserve makes room for n groups, adding none.
	reserve(n int)
	// clear empties the state and keeps its room.
	clear()
	// buildRange and stateRange are build and state of groups [lo, hi).
	buildRange(mem memory.Allocator, t arrow.DataType, lo, hi int) arrow.Array
	stateRange(mem memory.Allocator, t arrow.DataType, lo, hi int) []arrow.Array
}

var (
	_ slotAccumulator = (*countAcc)(nil)
	_ slotAccumulator = (*sumAcc[int64])(nil)
	_ slotAccumulator = (*avgAcc)(nil)
	_ slotAccumulator = (*extremeAcc[string])(nil)
)

// slotCapacity is the capacity reserveSlots gives a slice of capacity c
// for n values: c when it has room, else a quarter more at least.
func slotCapacity(c, n int) int {
	if c >= n {
		return c
	}
	return max(n, c+c/4)
}

// reserveSlots returns s with room for n values (slotCapacity).
func reserveSlots[T any](s []T, n int) []T {
	if c := slotCapacity(cap(s), n); c != cap(s) {
		out := make([]T, len(s), c)
		copy(out, s)
		return out
	}
	return s
}

// grow extends s with zero values to length n.
func grow[T any](s []T, n int) []T {
	if n <= len(s) {
		return s
	}
	return append(s, make([]T, n-len(s))...)
}
