package exec

import (
	"context"
	"fmt"
	"math"
	"sort"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// windowChunk is a run of whole window partitions, sorted by their order
// keys, and what the functions share about it.
type windowChunk struct {
	ctx    context.Context
	mem    memory.Allocator
	n      int
	starts []int // partition starts, ascending, starts[0] == 0
	// peerStart and peerEnd bound each row's peers (rows of its partition
	// with equal order keys): [peerStart, peerEnd).
	peerStart, peerEnd []int
	orders             []plan.SortOrder
	orderKeys          []arrow.Array
}

// partitions calls fn for each partition [lo, hi).
func (c *windowChunk) partitions(fn func(lo, hi int)) {
	for i, lo := range c.starts {
		hi := c.n
		if i+1 < len(c.starts) {
			hi = c.starts[i+1]
		}
		fn(lo, hi)
	}
}

// computeWindows computes the window functions of w over chunk, whose
// rows are whole window partitions starting at starts, and returns one
// column per function (the caller releases them).
func computeWindows(ev *eval.Evaluator, w *plan.Window, chunk arrow.RecordBatch, starts []int) ([]arrow.Array, error) {
	ctx := ev.Context()
	c := &windowChunk{ctx: ctx, mem: compute.GetAllocator(ctx), n: int(chunk.NumRows()), starts: starts, orders: w.OrderBy()}
	keyExprs := make([]plan.Expr, len(c.orders))
	for i, o := range c.orders {
		keyExprs[i] = o.Expr
	}
	var err error
	if c.orderKeys, err = ev.Arrays(keyExprs, chunk); err != nil {
		return nil, err
	}
	defer eval.ReleaseArrays(c.orderKeys)
	if err := c.findPeers(); err != nil {
		return nil, err
	}
	out := make([]arrow.Array, 0, len(w.Exprs))
	for _, x := range w.Exprs {
		col, err := c.compute(ev, x, chunk)
		if err != nil {
			eval.ReleaseArrays(out)
			return nil, fmt.Errorf("exec: window function %s: %w", x.Call(), err)
		}
		out = append(out, col)
	}
	return out, nil
}

func (c *windowChunk) findPeers() error {
	c.peerStart, c.peerEnd = make([]int, c.n), make([]int, c.n)
	same := func(int, int) int { return 0 }
	if len(c.orderKeys) > 0 {
		cmp, err := rowComparator(c.orderKeys, c.orderKeys, c.orders)
		if err != nil {
			return err
		}
		same = cmp
	}
	c.partitions(func(lo, hi int) {
		start := lo
		for i := lo; i < hi; i++ {
			if i > lo && same(i-1, i) != 0 {
				for k := start; k < i; k++ {
					c.peerEnd[k] = i
				}
				start = i
			}
			c.peerStart[i] = start
		}
		for k := start; k < hi; k++ {
			c.peerEnd[k] = hi
		}
	})
	return nil
}

func (c *windowChunk) compute(ev *eval.Evaluator, x plan.WindowExpr, chunk arrow.RecordBatch) (arrow.Array, error) {
	switch x.Func {
	case plan.WinRowNumber, plan.WinRank, plan.WinDenseRank, plan.WinNtile:
		return c.ranking(x), nil
	case plan.WinPercentRank:
		b := array.NewFloat64Builder(c.mem)
		defer b.Release()
		b.Reserve(c.n)
		c.partitions(func(lo, hi int) {
			for i := lo; i < hi; i++ {
				if hi-lo == 1 {
					b.Append(0)
				} else {
					b.Append(float64(c.peerStart[i]-lo) / float64(hi-lo-1))
				}
			}
		})
		return b.NewArray(), nil
	case plan.WinCumeDist:
		b := array.NewFloat64Builder(c.mem)
		defer b.Release()
		b.Reserve(c.n)
		c.partitions(func(lo, hi int) {
			for i := lo; i < hi; i++ {
				b.Append(float64(c.peerEnd[i]-lo) / float64(hi-lo))
			}
		})
		return b.NewArray(), nil
	}
	args, err := ev.Arrays(x.Args, chunk)
	if err != nil {
		return nil, err
	}
	defer eval.ReleaseArrays(args)
	if x.Func == plan.WinLag || x.Func == plan.WinLead {
		return c.offset(ev, x, args[0], chunk)
	}
	lo, hi, err := c.frames(x.EffectiveFrame())
	if err != nil {
		return nil, err
	}
	var arg arrow.Array
	if len(args) > 0 {
		arg = args[0]
	}
	switch x.Func {
	case plan.WinCount:
		return c.count(arg, lo, hi), nil
	case plan.WinSum, plan.WinAvg:
		return c.sum(x, arg, lo, hi)
	case plan.WinMin, plan.WinMax:
		return c.extreme(x.Func == plan.WinMax, arg, lo, hi)
	case plan.WinFirst, plan.WinLast:
		// With ignoreNulls, the first valid row at or after lo (the last
		// at or before hi) when it lies within the frame.
		next, prev := make([]int, c.n+1), make([]int, c.n)
		next[c.n] = c.n
		for i := c.n - 1; i >= 0; i-- {
			next[i] = next[i+1]
			if !x.IgnoreNulls || arg.IsValid(i) {
				next[i] = i
			}
		}
		for i := range prev {
			switch {
			case !x.IgnoreNulls || arg.IsValid(i):
				prev[i] = i
			case i > 0:
				prev[i] = prev[i-1]
			default:
				prev[i] = -1
			}
		}
		idx := make([]int, c.n)
		for i := range idx {
			idx[i] = -1
			if lo[i] > hi[i] {
				continue
			}
			if j := next[lo[i]]; x.Func == plan.WinFirst && j <= hi[i] {
				idx[i] = j
			} else if j := prev[hi[i]]; x.Func == plan.WinLast && j >= lo[i] {
				idx[i] = j
			}
		}
		return c.take(arg, idx)
	case plan.WinNthValue:
		return c.take(arg, c.nthRows(x, arg, lo, hi))
	}
	return nil, fmt.Errorf("no kernel for %s", x.Func)
}

// nthRows is, for each row, the row of its frame [lo, hi] that
// nth_value reads: the frame's N-th row, or with IgnoreNulls its N-th
// row with a non-NULL argument; -1 (NULL) when the frame has fewer.
func (c *windowChunk) nthRows(x plan.WindowExpr, arg arrow.Array, lo, hi []int) []int {
	idx := make([]int, c.n)
	if !x.IgnoreNulls {
		for i := range idx {
			idx[i] = -1
			if lo[i] <= hi[i] && x.N-1 <= int64(hi[i]-lo[i]) {
				idx[i] = lo[i] + int(x.N-1)
			}
		}
		return idx
	}
	// valid lists the rows with a value; before[i] counts those before
	// row i, so the frame's N-th is valid[before[lo]+N-1].
	var valid []int
	before := make([]int, c.n+1)
	for i := 0; i < c.n; i++ {
		before[i] = len(valid)
		if arg.IsValid(i) {
			valid = append(valid, i)
		}
	}
	before[c.n] = len(valid)
	for i := range idx {
		idx[i] = -1
		if lo[i] > hi[i] || x.N > int64(len(valid)-before[lo[i]]) {
			continue
		}
		if j := valid[before[lo[i]]+int(x.N-1)]; j <= hi[i] {
			idx[i] = j
		}
	}
	return idx
}

// ranking computes row_number, rank, dense_rank and ntile (int32).
func (c *windowChunk) ranking(x plan.WindowExpr) arrow.Array {
	b := array.NewInt32Builder(c.mem)
	defer b.Release()
	b.Reserve(c.n)
	c.partitions(func(lo, hi int) {
		dense := 0
		rows := hi - lo
		for i := lo; i < hi; i++ {
			if c.peerStart[i] == i {
				dense++
			}
			switch x.Func {
			case plan.WinRowNumber:
				b.Append(int32(i - lo + 1))
			case plan.WinRank:
				b.Append(int32(c.peerStart[i] - lo + 1))
			case plan.WinDenseRank:
				b.Append(int32(dense))
			case plan.WinNtile:
				// Buckets of size rows/N, the first rows%N one larger.
				size, extra, r := rows/int(x.N), rows%int(x.N), i-lo
				if r < (size+1)*extra {
					b.Append(int32(r/(size+1) + 1))
				} else {
					b.Append(int32((r-extra)/size + 1))
				}
			}
		}
	})
	return b.NewArray()
}

// offset computes lag and lead: the argument N rows before (lag) or
// after (lead) in the partition, else the default.
func (c *windowChunk) offset(ev *eval.Evaluator, x plan.WindowExpr, arg arrow.Array, chunk arrow.RecordBatch) (arrow.Array, error) {
	shift := int(x.N)
	if x.Func == plan.WinLag {
		shift = -shift
	}
	values := arg
	if x.Default != nil {
		def, err := ev.Array(x.Default, chunk)
		if err != nil {
			return nil, err
		}
		defer def.Release()
		if values, err = array.Concatenate([]arrow.Array{arg, def}, c.mem); err != nil {
			return nil, err
		}
		defer values.Release()
	}
	idx := make([]int, c.n)
	c.partitions(func(lo, hi int) {
		for i := lo; i < hi; i++ {
			switch j := i + shift; {
			case j >= lo && j < hi:
				idx[i] = j
			case x.Default != nil:
				idx[i] = c.n + i
			default:
				idx[i] = -1
			}
		}
	})
	return c.take(values, idx)
}

// take gathers values at idx (-1: NULL).
func (c *windowChunk) take(values arrow.Array, idx []int) (arrow.Array, error) {
	ib := array.NewInt32Builder(c.mem)
	defer ib.Release()
	ib.Reserve(len(idx))
	for _, i := range idx {
		if i < 0 {
			ib.AppendNull()
		} else {
			ib.Append(int32(i))
		}
	}
	indices := ib.NewArray()
	defer indices.Release()
	return compute.TakeArray(c.ctx, values, indices)
}

// frames returns each row's frame [lo[i], hi[i]] (empty when lo > hi).
// Both bounds are nondecreasing within a partition, which the sliding
// kernels rely on.
func (c *windowChunk) frames(f plan.Frame) (lo, hi []int, err error) {
	lo, hi = make([]int, c.n), make([]int, c.n)
	var value *rangeValues
	if f.Type == plan.RangeFrame && (isOffset(f.Start) || isOffset(f.End)) {
		if value, err = newRangeValues(c.orderKeys[0], c.orders[0]); err != nil {
			return nil, nil, err
		}
	}
	c.partitions(func(plo, phi int) {
		var nnLo, nnHi int // the partition's rows with a non-NULL order key
		if value != nil {
			nnLo, nnHi = plo, phi
			for nnLo < phi && value.arr.IsNull(nnLo) {
				nnLo++
			}
			for nnHi > nnLo && value.arr.IsNull(nnHi-1) {
				nnHi--
			}
		}
		for i := plo; i < phi; i++ {
			lo[i] = c.bound(f, f.Start, true, i, plo, phi, value, nnLo, nnHi)
			hi[i] = c.bound(f, f.End, false, i, plo, phi, value, nnLo, nnHi)
		}
	})
	return lo, hi, nil
}

func isOffset(b int64) bool {
	return b != plan.UnboundedPreceding && b != plan.UnboundedFollowing && b != plan.CurrentRow
}

// bound is row i's lower (lower true) or upper frame bound b, as a row
// index in the chunk; partition [plo, phi).
func (c *windowChunk) bound(f plan.Frame, b int64, lower bool, i, plo, phi int, value *rangeValues, nnLo, nnHi int) int {
	switch {
	case b == plan.UnboundedPreceding:
		return plo
	case b == plan.UnboundedFollowing:
		return phi - 1
	case f.Type == plan.RowsFrame:
		// Clamp before adding, so that huge offsets do not overflow: a
		// bound before the partition's start or after its end clamps to
		// it, or empties the frame when the frame lies beyond it.
		switch {
		case b < int64(plo-i) && lower:
			return plo
		case b < int64(plo-i):
			return plo - 1
		case b > int64(phi-1-i) && lower:
			return phi
		case b > int64(phi-1-i):
			return phi - 1
		}
		return i + int(b)
	case b == plan.CurrentRow:
		if lower {
			return c.peerStart[i]
		}
		return c.peerEnd[i] - 1
	}
	// A RANGE offset: NULL order keys are one another's peers; others
	// take the rows whose value lies within the offset.
	if value.arr.IsNull(i) {
		if lower {
			return c.peerStart[i]
		}
		return c.peerEnd[i] - 1
	}
	if lower {
		return nnLo + sort.Search(nnHi-nnLo, func(k int) bool { return value.atOrAfter(nnLo+k, i, b) })
	}
	return nnLo + sort.Search(nnHi-nnLo, func(k int) bool { return value.after(nnLo+k, i, b) }) - 1
}

// rangeValues reads the single order key of a RANGE frame with offsets.
type rangeValues struct {
	arr  arrow.Array
	desc bool
	ints func(int) int64
	flts func(int) float64
}

func newRangeValues(arr arrow.Array, o plan.SortOrder) (*rangeValues, error) {
	v := &rangeValues{arr: arr, desc: o.Descending}
	if plan.IsNumeric(arr.DataType()) && arr.DataType().ID() != arrow.UINT64 {
		if get, ok := eval.Int64Getter(arr); ok {
			v.ints = get
			return v, nil
		}
	}
	get, ok := eval.Float64Getter(arr)
	if !ok {
		return nil, fmt.Errorf("a RANGE frame with offsets cannot order by %s", arr.DataType())
	}
	v.flts = get
	return v, nil
}

// cmpShifted compares row j's value with row i's value moved by off in
// the direction of the order (so that "after" means later in the sort).
func (v *rangeValues) cmpShifted(j, i int, off int64) int {
	if v.ints != nil {
		a, base := v.ints(j), v.ints(i)
		if v.desc {
			a, base = -a, -base // comparisons on negated values; saturating below
		}
		t, overflow := addSat(base, off)
		if overflow != 0 {
			return -overflow
		}
		switch {
		case a < t:
			return -1
		case a > t:
			return 1
		}
		return 0
	}
	a, t := v.flts(j), v.flts(i)
	if v.desc {
		a, t = -a, -t
	}
	t += float64(off)
	switch {
	case a < t:
		return -1
	case a > t:
		return 1
	}
	return 0
}

// atOrAfter reports whether row j sorts at or after row i's value moved
// by off; after, strictly after.
func (v *rangeValues) atOrAfter(j, i int, off int64) bool { return v.cmpShifted(j, i, off) >= 0 }
func (v *rangeValues) after(j, i int, off int64) bool     { return v.cmpShifted(j, i, off) > 0 }

// addSat adds with saturation; overflow is +1 or -1 when the sum is
// beyond int64 (every value is then below or above it).
func addSat(a, b int64) (int64, int) {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64, 1
	case b < 0 && s > a:
		return math.MinInt64, -1
	}
	return s, 0
}

// count counts the frame's non-NULL values (rows, for count(*)) with
// prefix counts.
func (c *windowChunk) count(arg arrow.Array, lo, hi []int) arrow.Array {
	prefix := c.validPrefix(arg)
	b := array.NewInt64Builder(c.mem)
	defer b.Release()
	b.Reserve(c.n)
	for i := 0; i < c.n; i++ {
		if lo[i] > hi[i] {
			b.Append(0)
		} else {
			b.Append(int64(prefix[hi[i]+1] - prefix[lo[i]]))
		}
	}
	return b.NewArray()
}

// validPrefix[i] is the number of non-NULL values before row i (rows,
// when arg is nil).
func (c *windowChunk) validPrefix(arg arrow.Array) []int {
	prefix := make([]int, c.n+1)
	for i := 0; i < c.n; i++ {
		prefix[i+1] = prefix[i]
		if arg == nil || arg.IsValid(i) {
			prefix[i+1]++
		}
	}
	return prefix
}

// sum computes sum and avg. Integer sums use prefix sums, exact under
// two's-complement wrapping (as Spark's long sums wrap). Float sums over
// frames that start at the partition's start accumulate row by row, as
// Spark's running frames do; other frames read a segment tree, which
// keeps NaN and infinities exact where subtracting prefix sums would not.
func (c *windowChunk) sum(x plan.WindowExpr, arg arrow.Array, lo, hi []int) (arrow.Array, error) {
	counts := c.validPrefix(arg)
	n := func(i int) int {
		if lo[i] > hi[i] {
			return 0
		}
		return counts[hi[i]+1] - counts[lo[i]]
	}
	if x.Func == plan.WinSum && plan.IsNumeric(arg.DataType()) && x.Type().ID() == arrow.INT64 {
		get, ok := eval.Int64Getter(arg)
		if !ok {
			u, isU := arg.(*array.Uint64)
			if !isU {
				return nil, fmt.Errorf("cannot add values of type %s", arg.DataType())
			}
			get = func(i int) int64 { return int64(u.Value(i)) }
		}
		prefix := make([]int64, c.n+1)
		for i := 0; i < c.n; i++ {
			prefix[i+1] = prefix[i]
			if arg.IsValid(i) {
				prefix[i+1] += get(i)
			}
		}
		b := array.NewInt64Builder(c.mem)
		defer b.Release()
		b.Reserve(c.n)
		for i := 0; i < c.n; i++ {
			if n(i) == 0 {
				b.AppendNull()
			} else {
				b.Append(prefix[hi[i]+1] - prefix[lo[i]])
			}
		}
		return b.NewArray(), nil
	}
	get, ok := eval.Float64Getter(arg)
	if !ok {
		return nil, fmt.Errorf("cannot add values of type %s", arg.DataType())
	}
	vals := make([]float64, c.n)
	for i := range vals {
		if arg.IsValid(i) {
			vals[i] = get(i)
		}
	}
	sums := make([]float64, c.n)
	running := true
	c.partitions(func(plo, phi int) {
		for i := plo; i < phi; i++ {
			running = running && lo[i] == plo
		}
	})
	if running {
		// Frames all start at their partition's start: accumulate.
		c.partitions(func(plo, phi int) {
			acc, upTo := 0.0, plo // vals[plo:upTo] are in acc
			for i := plo; i < phi; i++ {
				for ; upTo <= hi[i]; upTo++ {
					acc += vals[upTo]
				}
				sums[i] = acc
			}
		})
	} else {
		tree := newSumTree(vals)
		for i := range sums {
			if lo[i] <= hi[i] {
				sums[i] = tree.sum(lo[i], hi[i]+1)
			}
		}
	}
	b := array.NewFloat64Builder(c.mem)
	defer b.Release()
	b.Reserve(c.n)
	for i := 0; i < c.n; i++ {
		switch k := n(i); {
		case k == 0:
			b.AppendNull()
		case x.Func == plan.WinAvg:
			b.Append(sums[i] / float64(k))
		default:
			b.Append(sums[i])
		}
	}
	return b.NewArray(), nil
}

// sumTree is a segment tree of float sums over a fixed array.
type sumTree struct {
	size int
	node []float64
}

func newSumTree(vals []float64) *sumTree {
	t := &sumTree{size: len(vals), node: make([]float64, 2*len(vals))}
	copy(t.node[len(vals):], vals)
	for i := len(vals) - 1; i > 0; i-- {
		t.node[i] = t.node[2*i] + t.node[2*i+1]
	}
	return t
}

// sum adds the values of [lo, hi).
func (t *sumTree) sum(lo, hi int) float64 {
	var left, right float64
	for lo, hi = lo+t.size, hi+t.size; lo < hi; lo, hi = lo/2, hi/2 {
		if lo&1 == 1 {
			left += t.node[lo]
			lo++
		}
		if hi&1 == 1 {
			hi--
			right = t.node[hi] + right
		}
	}
	return left + right
}

// extreme computes min (max false) or max over frames with a monotonic
// deque of candidate rows, NULLs skipped: frame bounds never move back
// within a partition, so each row enters and leaves the deque once.
func (c *windowChunk) extreme(max bool, arg arrow.Array, lo, hi []int) (arrow.Array, error) {
	cmp, err := comparator(arg, arg, plan.SortOrder{Descending: max})
	if err != nil {
		return nil, err
	}
	idx := make([]int, c.n)
	c.partitions(func(plo, phi int) {
		var deque []int
		next := plo // the next row to offer to the deque
		for i := plo; i < phi; i++ {
			for ; next <= hi[i] && next < phi; next++ {
				if arg.IsNull(next) {
					continue
				}
				// Keep the deque strictly improving from the back: a later
				// row at least as good makes earlier ones useless.
				for len(deque) > 0 && cmp(next, deque[len(deque)-1]) <= 0 {
					deque = deque[:len(deque)-1]
				}
				deque = append(deque, next)
			}
			for len(deque) > 0 && deque[0] < lo[i] {
				deque = deque[1:]
			}
			if lo[i] > hi[i] || len(deque) == 0 || deque[0] > hi[i] {
				idx[i] = -1
			} else {
				idx[i] = deque[0]
			}
		}
	})
	return c.take(arg, idx)
}
