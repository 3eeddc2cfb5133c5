package plan

import (
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/arrowmem"
)

// SizeEstimator is implemented by sources that can estimate the bytes
// their rows take in memory as Arrow data, without reading them: the
// planner broadcasts a join input whose estimate is under the broadcast
// threshold (Spark's autoBroadcastJoinThreshold). Sources that cannot
// tell are never broadcast unless hinted.
type SizeEstimator interface {
	Source
	// EstimatedBytes returns the estimate, or false when it has none.
	EstimatedBytes() (int64, bool)
}

// EstimatedBytes estimates the bytes of the rows n produces, as Spark's
// size-only statistics do: a scan's from its source (SizeEstimator), a
// projection's scaled by the width of its columns, a filter's as its
// input's (no selectivity is guessed), a limit's as its rows at most, a
// union's as the sum. ok is false when a source in n has no estimate.
func EstimatedBytes(n Node) (bytes int64, ok bool) {
	switch n := n.(type) {
	case *Scan:
		if s, ok := n.Source.(SizeEstimator); ok {
			return s.EstimatedBytes()
		}
		return 0, false
	case *Limit:
		in, ok := EstimatedBytes(n.Input)
		rows := satMul(n.N, rowWidth(n.Schema()))
		if !ok {
			return rows, true
		}
		return min(in, rows), true
	case *Union:
		var sum int64
		for _, c := range n.Inputs {
			b, ok := EstimatedBytes(c)
			if !ok {
				return 0, false
			}
			sum = satAdd(sum, b)
		}
		return sum, true
	case *Join:
		l, lok := EstimatedBytes(n.Left)
		if n.Type.LeftOnly() {
			return l, lok
		}
		r, rok := EstimatedBytes(n.Right)
		if !lok || !rok {
			return 0, false
		}
		if n.Type == CrossJoin || n.Cond == nil {
			return satMul(l, max(r, 1)), true
		}
		return satAdd(l, r), true
	case *Aggregate:
		in, ok := EstimatedBytes(n.Input)
		return scaleWidth(in, n.Input.Schema(), n.Schema()), ok
	}
	cs := n.Children()
	if len(cs) != 1 {
		return 0, false
	}
	in, ok := EstimatedBytes(cs[0])
	if !ok {
		return 0, false
	}
	// Projections, model calls and the like change the width of rows;
	// filters, sorts, exchanges and hints keep it.
	return scaleWidth(in, cs[0].Schema(), n.Schema()), true
}

// scaleWidth scales bytes of rows of schema from to rows of schema to.
func scaleWidth(bytes int64, from, to *arrow.Schema) int64 {
	fw, tw := rowWidth(from), rowWidth(to)
	if fw == tw || fw == 0 {
		return bytes
	}
	return int64(float64(bytes) * float64(tw) / float64(fw))
}

// RowWidth is the default width of a row of s in bytes, as Spark's
// defaultSize: fixed-width types their width, strings 20, nested types
// their parts', others 100. Sources that know only their stored size
// scale it by the widths of the columns they read.
func RowWidth(s *arrow.Schema) int64 { return rowWidth(s) }

// rowWidth is the default width of a row of s, in bytes.
func rowWidth(s *arrow.Schema) int64 {
	var w int64
	for _, f := range s.Fields() {
		w += typeWidth(f.Type)
	}
	return max(w, 1)
}

// typeWidth is the default width of a value of t, as Spark's defaultSize.
func typeWidth(t arrow.DataType) int64 {
	switch t := t.(type) {
	case arrow.FixedWidthDataType:
		return max(int64(t.BitWidth()/8), 1)
	case *arrow.StringType, *arrow.LargeStringType:
		return 20
	case *arrow.StructType:
		var w int64
		for _, f := range t.Fields() {
			w += typeWidth(f.Type)
		}
		return w
	case arrow.ListLikeType:
		return 8 + typeWidth(t.Elem())
	}
	return 100
}

func satAdd(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

func satMul(a, b int64) int64 {
	if a != 0 && b > math.MaxInt64/a {
		return math.MaxInt64
	}
	return a * b
}

// EstimatedBytes implements SizeEstimator: the bytes of the batches it
// holds, of the columns it yields, up to its limit.
func (m *MemorySource) EstimatedBytes() (int64, bool) {
	var total int64
	for _, batches := range m.parts {
		var rows int64
		for _, b := range batches {
			if m.limit >= 0 && rows >= m.limit {
				break
			}
			var n int64
			if m.cols == nil {
				n = arrowmem.BatchBytes(b)
			} else {
				for _, c := range m.cols {
					n += arrowmem.ArrayBytes(b.Column(c).Data())
				}
			}
			if m.limit >= 0 && rows+b.NumRows() > m.limit && b.NumRows() > 0 {
				n = n * (m.limit - rows) / b.NumRows()
			}
			rows += b.NumRows()
			total += n
		}
	}
	return total, true
}
