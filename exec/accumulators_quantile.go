package exec

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// percentileAcc computes percentile_approx with one Greenwald-Khanna
// quantile summary per group, Spark's QuantileSummaries algorithm: values
// are buffered, sorted and inserted in batches; the summary is compressed
// so that it answers a percentile within a rank error of about
// relativeError·count, relativeError = 1/accuracy; two summaries merge by
// interleaving their samples, widening their rank bounds, and
// compressing. Values are summarized as
// float64 (dates and timestamps as their integers), as Spark's are, and
// the result converts back to the input's type.
//
// The partial state is the compressed summary as one binary value per
// group (NULL for a group with no values).
type percentileAcc struct {
	relErr      float64
	percentages []float64
	array       bool
	sums        []*gkSummary
	sizes       memSizes
}

func newPercentileAcc(a plan.AggExpr) *percentileAcc {
	ps, isArray := a.Percentages()
	return &percentileAcc{relErr: 1 / float64(a.Accuracy()), percentages: ps, array: isArray}
}

func (p *percentileAcc) resize(n int) {
	p.sums = grow(p.sums, n)
	p.sizes.resize(n)
}

func (p *percentileAcc) summary(g int32) *gkSummary {
	if p.sums[g] == nil {
		p.sums[g] = &gkSummary{relErr: p.relErr}
	}
	return p.sums[g]
}

func (p *percentileAcc) update(groups []int32, arg arrow.Array) {
	get, _ := eval.Float64Getter(arg)
	for i, g := range groups {
		if arg.IsValid(i) {
			s := p.summary(g)
			s.insert(get(i))
			p.sizes.set(g, s.bytes())
		}
	}
}

func (p *percentileAcc) mergeState(groups []int32, state []arrow.Array) {
	bin := state[0].(*array.Binary)
	for i, g := range groups {
		if bin.IsNull(i) {
			continue
		}
		other, err := decodeGK(bin.Value(i))
		if err != nil {
			panic(err) // states come from state(), in this build
		}
		s := p.summary(g)
		s.merge(other)
		p.sizes.set(g, s.bytes())
	}
}

func (p *percentileAcc) state(mem memory.Allocator, _ arrow.DataType) []arrow.Array {
	b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	defer b.Release()
	for _, s := range p.sums {
		if s == nil {
			b.AppendNull()
		} else {
			b.Append(s.encode())
		}
	}
	return []arrow.Array{b.NewArray()}
}

func (p *percentileAcc) build(mem memory.Allocator, t arrow.DataType) arrow.Array {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	vb := b
	if lb, ok := b.(*array.ListBuilder); ok {
		vb = lb.ValueBuilder()
	}
	for _, s := range p.sums {
		if s == nil {
			b.AppendNull()
			continue
		}
		s.compress()
		if lb, ok := b.(*array.ListBuilder); ok {
			lb.Append(true)
		}
		for _, q := range p.percentages {
			appendFloatAs(vb, s.query(q))
		}
	}
	return b.NewArray()
}

// grown implements growingAccumulator.
func (p *percentileAcc) grown() (int64, int64) { return p.sizes.grown() }

// appendFloatAs appends v converted to the builder's type: floats as
// they are, integers, dates and timestamps truncated (the values were
// integers to begin with).
func appendFloatAs(b array.Builder, v float64) {
	switch b := b.(type) {
	case *array.Float64Builder:
		b.Append(v)
	case *array.Float32Builder:
		b.Append(float32(v))
	case *array.Uint64Builder:
		b.Append(uint64(v))
	default:
		eval.AppendInt64As(b, int64(v))
	}
}

// gkStats is one sample of a summary: a value, g (its minimum rank minus
// the previous sample's) and delta (its maximum rank minus its minimum).
type gkStats struct {
	v        float64
	g, delta int64
}

// gkSummary is Spark's QuantileSummaries, with the merge widened as GK's
// combine (see merge).
type gkSummary struct {
	relErr  float64
	count   int64
	samples []gkStats
	head    []float64
}

const (
	// gkHeadSize is how many values are buffered before they are
	// inserted: smaller than Spark's 50,000, since ember keeps one buffer
	// per group; the answers stay within the same bound.
	gkHeadSize = 4096
	// gkCompressThreshold is the sample count above which an insertion
	// compresses (Spark's default).
	gkCompressThreshold = 10000
)

func (s *gkSummary) bytes() int64 { return 64 + 8*int64(cap(s.head)) + 24*int64(cap(s.samples)) }

func (s *gkSummary) insert(x float64) {
	s.head = append(s.head, x)
	if len(s.head) >= gkHeadSize {
		s.flushHead()
		if len(s.samples) >= gkCompressThreshold {
			s.compress()
		}
	}
}

// compareFloat orders floats as Spark does: NaN above every number.
func compareFloat(a, b float64) int {
	switch {
	case math.IsNaN(a):
		if math.IsNaN(b) {
			return 0
		}
		return 1
	case math.IsNaN(b):
		return -1
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// flushHead inserts the buffered values (Spark's
// withHeadBufferInserted).
func (s *gkSummary) flushHead() {
	if len(s.head) == 0 {
		return
	}
	slices.SortFunc(s.head, compareFloat)
	out := make([]gkStats, 0, len(s.samples)+len(s.head))
	si := 0
	count := s.count
	for oi, x := range s.head {
		for si < len(s.samples) && compareFloat(s.samples[si].v, x) <= 0 {
			out = append(out, s.samples[si])
			si++
		}
		count++
		var delta int64
		if len(out) > 0 && !(si == len(s.samples) && oi == len(s.head)-1) {
			delta = int64(math.Floor(2 * s.relErr * float64(count)))
		}
		out = append(out, gkStats{v: x, g: 1, delta: delta})
	}
	out = append(out, s.samples[si:]...)
	s.samples, s.count, s.head = out, count, s.head[:0]
}

// compress inserts the buffer and merges samples whose ranks stay within
// the error bound.
func (s *gkSummary) compress() {
	s.flushHead()
	s.samples = gkCompress(s.samples, 2*s.relErr*float64(s.count))
	if cap(s.head) > gkHeadSize {
		s.head = nil
	}
}

// gkCompress is Spark's compressImmut.
func gkCompress(samples []gkStats, threshold float64) []gkStats {
	if len(samples) == 0 {
		return samples
	}
	var rev []gkStats
	head := samples[len(samples)-1]
	for i := len(samples) - 2; i >= 1; i-- {
		x := samples[i]
		if float64(x.g+head.g+head.delta) < threshold {
			head.g += x.g
		} else {
			rev = append(rev, head)
			head = x
		}
	}
	rev = append(rev, head)
	if first := samples[0]; len(samples) > 1 && compareFloat(first.v, head.v) <= 0 {
		rev = append(rev, first)
	}
	slices.Reverse(rev)
	return rev
}

// merge folds other (compressed) into s.
func (s *gkSummary) merge(other *gkSummary) {
	if other.count == 0 {
		return
	}
	s.compress()
	// Unlike Spark's merge, each sample's delta widens by the uncertainty
	// of its successor in the other summary (the GK combine of Agarwal et
	// al., "Mergeable summaries"): the other summary's values between
	// the sample's predecessor and the sample are not in its minimum rank.
	// Without it the rank error grew past relativeError·count when many
	// partial summaries merged. On equal values, s's samples come first.
	mine, theirs := widen(s.samples, other.samples, false), widen(other.samples, s.samples, true)
	merged := make([]gkStats, 0, len(mine)+len(theirs))
	i, j := 0, 0
	for i < len(mine) || j < len(theirs) {
		if j == len(theirs) || (i < len(mine) && compareFloat(mine[i].v, theirs[j].v) <= 0) {
			merged = append(merged, mine[i])
			i++
		} else {
			merged = append(merged, theirs[j])
			j++
		}
	}
	s.relErr = max(s.relErr, other.relErr)
	s.count += other.count
	s.samples = gkCompress(merged, 2*s.relErr*float64(s.count))
}

// query returns the approximate q-th percentile of a compressed summary
// (Spark's findApproxQuantile from the first sample, and Spark 2's
// answers at the ends).
func (s *gkSummary) query(q float64) float64 {
	// The ends are exact: within the error of rank 0 or count, the
	// smallest or largest value.
	if q <= s.relErr {
		return s.samples[0].v
	}
	if q >= 1-s.relErr {
		return s.samples[len(s.samples)-1].v
	}
	var targetErr int64 = math.MinInt64
	for _, x := range s.samples {
		targetErr = max(targetErr, x.delta+x.g)
	}
	targetErr /= 2
	rank := int64(math.Ceil(q * float64(s.count)))
	var minRank int64
	for _, x := range s.samples[:len(s.samples)-1] {
		minRank += x.g
		maxRank := minRank + x.delta
		if maxRank-targetErr <= rank && rank <= minRank+targetErr {
			return x.v
		}
	}
	return s.samples[len(s.samples)-1].v
}

// encode writes a compressed summary: relErr, count, then each sample's
// value, g and delta, little-endian.
func (s *gkSummary) encode() []byte {
	s.compress()
	out := make([]byte, 0, 16+24*len(s.samples))
	out = binary.LittleEndian.AppendUint64(out, math.Float64bits(s.relErr))
	out = binary.LittleEndian.AppendUint64(out, uint64(s.count))
	for _, x := range s.samples {
		out = binary.LittleEndian.AppendUint64(out, math.Float64bits(x.v))
		out = binary.LittleEndian.AppendUint64(out, uint64(x.g))
		out = binary.LittleEndian.AppendUint64(out, uint64(x.delta))
	}
	return out
}

func decodeGK(b []byte) (*gkSummary, error) {
	if len(b) < 16 || (len(b)-16)%24 != 0 {
		return nil, fmt.Errorf("exec: a percentile_approx state of %d bytes is malformed", len(b))
	}
	s := &gkSummary{
		relErr: math.Float64frombits(binary.LittleEndian.Uint64(b)),
		count:  int64(binary.LittleEndian.Uint64(b[8:])),
	}
	for b = b[16:]; len(b) > 0; b = b[24:] {
		s.samples = append(s.samples, gkStats{
			v:     math.Float64frombits(binary.LittleEndian.Uint64(b)),
			g:     int64(binary.LittleEndian.Uint64(b[8:])),
			delta: int64(binary.LittleEndian.Uint64(b[16:])),
		})
	}
	return s, nil
}

// widen returns xs with each delta grown by g+delta-1 of its successor in
// ys: the first sample of ys above it (at or above it unless after, when
// xs's samples follow ys's on equal values).
func widen(xs, ys []gkStats, after bool) []gkStats {
	out := make([]gkStats, len(xs))
	j := 0
	for i, x := range xs {
		for j < len(ys) && (compareFloat(ys[j].v, x.v) < 0 || (after && compareFloat(ys[j].v, x.v) == 0)) {
			j++
		}
		if j < len(ys) {
			x.delta += ys[j].g + ys[j].delta - 1
		}
		out[i] = x
	}
	return out
}
