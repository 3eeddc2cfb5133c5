package csvio

import (
	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/plan"
)

var _ plan.SizeEstimator = (*Source)(nil)

// EstimatedBytes implements plan.SizeEstimator, which decides whether a
// join broadcasts the source: the CSV files' sizes (five times a
// compressed file's) scaled to the columns read by their default widths,
// at most the limit's rows (scan.Narrowing.Estimate). It reads no data.
func (s *Source) EstimatedBytes() (int64, bool) {
	return s.Estimate(textfile.StoredBytes(s.files), s.Partitions()), true
}
