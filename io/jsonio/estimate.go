package jsonio

import (
	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/plan"
)

var _ plan.SizeEstimator = (*Source)(nil)

// EstimatedBytes implements plan.SizeEstimator for JSON lines as csvio's
// Source does for CSV: the files' sizes, a compressed one's times five,
// narrowed to the columns and limit read.
func (s *Source) EstimatedBytes() (int64, bool) {
	return s.Estimate(textfile.StoredBytes(s.files), s.Partitions()), true
}
