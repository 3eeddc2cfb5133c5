package parquetio

import (
	"math"

	"github.com/ember-df/ember/plan"
)

var _ plan.SizeEstimator = (*Source)(nil)

// EstimatedBytes implements plan.SizeEstimator, which decides whether a
// join broadcasts the source: the uncompressed size of the chunks of the
// columns it reads, in the row groups its pushed-down filter may match,
// each scaled by the share of its rows the filter is estimated to keep
// from the row group's statistics (plan.Selectivity: ranges of numbers
// and dates narrow the estimate, other conditions do not). Parquet's
// uncompressed size is of encoded pages: an estimate of the Arrow size,
// as Spark's file-size statistics are. It reads no data: the footers are
// in hand.
func (s *Source) EstimatedBytes() (int64, bool) {
	if s.Limit == 0 {
		return 0, true
	}
	var total int64
	for _, pt := range s.parts {
		pqf := s.files[pt.file]
		var leaves []int
		for _, c := range s.Cols {
			if i := pqf.schema.FieldIndices(s.Full.Field(c).Name); len(i) > 0 {
				leaves = append(leaves, pqf.leaves[i[0]]...)
			}
		}
		for _, rg := range pt.rowGroups {
			share := 1.0
			if s.filter != nil {
				share = plan.Selectivity(s.filter, rowGroupStats(pqf, rg))
			}
			if share == 0 {
				continue
			}
			md := pqf.meta.RowGroup(rg)
			var bytes int64
			for _, leaf := range leaves {
				if cc, err := md.ColumnChunk(leaf); err == nil {
					bytes += max(cc.TotalUncompressedSize(), 0)
				}
			}
			total += int64(math.Ceil(float64(bytes) * share))
		}
	}
	return total, true
}
