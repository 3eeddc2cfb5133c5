package parquetio

import (
	"cmp"
	"math"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/ember-df/ember/plan"
)

// bounds are a column's min and max in one row group: both int64, both
// float64 or both string.
type bounds struct{ min, max any }

// rowGroupStats returns the min/max of the top-level columns of row group
// rg that have statistics and whose statistics order as their values do.
func rowGroupStats(f parquetFile, rg int) map[string]bounds {
	out := map[string]bounds{}
	md := f.meta.RowGroup(rg)
	for i, leaves := range f.leaves {
		if len(leaves) != 1 || !prunable(f.schema.Field(i).Type) {
			continue
		}
		cc, err := md.ColumnChunk(leaves[0])
		if err != nil {
			continue
		}
		st, err := cc.Statistics()
		if err != nil || st == nil || !st.HasMinMax() {
			continue
		}
		var b bounds
		switch st := st.(type) {
		case *metadata.Int32Statistics:
			b = bounds{int64(st.Min()), int64(st.Max())}
		case *metadata.Int64Statistics:
			b = bounds{st.Min(), st.Max()}
		case *metadata.Float32Statistics:
			b = bounds{float64(st.Min()), float64(st.Max())}
		case *metadata.Float64Statistics:
			b = bounds{st.Min(), st.Max()}
		case *metadata.ByteArrayStatistics:
			b = bounds{string(st.Min()), string(st.Max())}
		default:
			continue
		}
		out[f.schema.Field(i).Name] = b
	}
	return out
}

// prunable reports whether statistics of a column of type t compare with
// a filter's int64, float64 or string literals as its values do. Not so
// for decimals (unscaled integers), dates and timestamps (counts of a
// unit), unsigned integers of 32 bits and more (stored as signed),
// binaries, and nested types (whose single leaf is not the column).
func prunable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING:
		return true
	}
	return false
}

// mayMatch reports whether cond can be true for some row whose columns lie
// within stats. It answers true whenever it cannot tell.
func mayMatch(cond plan.Expr, stats map[string]bounds) bool {
	b, ok := cond.(*plan.Binary)
	if !ok {
		return true
	}
	switch b.Op {
	case plan.OpAnd:
		return mayMatch(b.Left, stats) && mayMatch(b.Right, stats)
	case plan.OpOr:
		return mayMatch(b.Left, stats) || mayMatch(b.Right, stats)
	}
	if !b.Op.IsComparison() {
		return true
	}
	op, col, lit := b.Op, column(b.Left), literal(b.Right)
	if col == "" || lit == nil {
		// literal op column: mirror it.
		col, lit, op = column(b.Right), literal(b.Left), mirror(op)
	}
	bd, known := stats[col]
	if col == "" || lit == nil || !known {
		return true
	}
	lo, okLo := compare(bd.min, lit)
	hi, okHi := compare(bd.max, lit)
	if !okLo || !okHi {
		return true
	}
	switch op {
	case plan.OpEq:
		return lo <= 0 && hi >= 0
	case plan.OpLt:
		return lo < 0
	case plan.OpLe:
		return lo <= 0
	case plan.OpGt:
		return hi > 0
	case plan.OpGe:
		return hi >= 0
	}
	return true // != rules out a row group only when min == max == value
}

func mirror(op plan.BinaryOp) plan.BinaryOp {
	switch op {
	case plan.OpLt:
		return plan.OpGt
	case plan.OpLe:
		return plan.OpGe
	case plan.OpGt:
		return plan.OpLt
	case plan.OpGe:
		return plan.OpLe
	}
	return op
}

// column is the name of a column reference, looking through casts between
// numeric types (which keep order); "" for anything else.
func column(e plan.Expr) string {
	for {
		switch x := e.(type) {
		case *plan.Column:
			return x.Name
		case *plan.Cast:
			if !plan.IsNumeric(x.To) || !plan.IsNumeric(x.Child.Type()) {
				return ""
			}
			e = x.Child
		default:
			return ""
		}
	}
}

// literal is the value of a non-NULL literal as int64, float64 or string.
func literal(e plan.Expr) any {
	l, ok := e.(*plan.Literal)
	if !ok {
		return nil
	}
	switch v := l.Value.(type) {
	case int64, float64, string:
		return v
	case uint64:
		if v <= math.MaxInt64 {
			return int64(v)
		}
		return float64(v)
	}
	return nil
}

// compare orders a statistic against a literal; ok is false when their
// kinds cannot be compared.
func compare(stat, lit any) (int, bool) {
	switch s := stat.(type) {
	case int64:
		switch l := lit.(type) {
		case int64:
			return cmp.Compare(s, l), true
		case float64:
			return cmp.Compare(float64(s), l), !math.IsNaN(l)
		}
	case float64:
		if math.IsNaN(s) {
			return 0, false
		}
		switch l := lit.(type) {
		case int64:
			return cmp.Compare(s, float64(l)), true
		case float64:
			return cmp.Compare(s, l), !math.IsNaN(l)
		}
	case string:
		if l, ok := lit.(string); ok {
			return cmp.Compare(s, l), true
		}
	}
	return 0, false
}
