package csvio

import (
	"github.com/ember-df/ember/io/internal/scan"
	"github.com/ember-df/ember/plan"
)

var _ plan.SizeEstimator = (*Source)(nil)

// EstimatedBytes implements plan.SizeEstimator, which decides whether a
// join broadcasts the source: the files' sizes (five times a compressed
// file's), scaled to the columns read by their default widths, at most
// the limit's rows (scan.Narrowing.Estimate). It reads no data.
func (s *Source) EstimatedBytes() (int64, bool) {
	sizes := make([]int64, len(s.files))
	compressed := make([]bool, len(s.files))
	for i, f := range s.files {
		sizes[i], compressed[i] = f.Size, f.Codec != nil
	}
	return s.Estimate(scan.StoredBytes(sizes, compressed), s.Partitions()), true
}
