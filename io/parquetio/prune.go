package parquetio

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/ember-df/ember/plan"
)

// rowGroupStats returns the min/max of the top-level columns of row group
// rg that have statistics and whose statistics order as their values do.
func rowGroupStats(f parquetFile, rg int) map[string]plan.Range {
	out := map[string]plan.Range{}
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
		var b plan.Range
		switch st := st.(type) {
		case *metadata.Int32Statistics:
			b = plan.Range{Min: int64(st.Min()), Max: int64(st.Max())}
		case *metadata.Int64Statistics:
			b = plan.Range{Min: st.Min(), Max: st.Max()}
		case *metadata.Float32Statistics:
			b = plan.Range{Min: float64(st.Min()), Max: float64(st.Max())}
		case *metadata.Float64Statistics:
			b = plan.Range{Min: st.Min(), Max: st.Max()}
		case *metadata.ByteArrayStatistics:
			b = plan.Range{Min: string(st.Min()), Max: string(st.Max())}
		default:
			continue
		}
		out[f.schema.Field(i).Name] = b
	}
	return out
}

// prunable reports whether statistics of a column of type t compare with
// a filter's int64, float64 or string literals as its values do: dates
// too, whose literals in a resolved comparison with the bare column are
// days, as the statistics are (a timestamp literal converts the column,
// which then is no bare column). Not so for decimals (unscaled integers),
// timestamps (counts of a unit a literal may not share), unsigned integers of 32 bits and more (stored as signed),
// binaries, and nested types (whose single leaf is not the column).
func prunable(t arrow.DataType) bool {
	switch t.ID() {
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64, arrow.UINT8, arrow.UINT16,
		arrow.FLOAT32, arrow.FLOAT64, arrow.STRING, arrow.LARGE_STRING, arrow.DATE32:
		return true
	}
	return false
}
