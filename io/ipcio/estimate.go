package ipcio

import (
	"github.com/ember-df/ember/io/internal/scan"
	"github.com/ember-df/ember/plan"
)

var _ plan.SizeEstimator = (*Source)(nil)

// EstimatedBytes implements plan.SizeEstimator, which decides whether a
// join broadcasts the source: the files' sizes (an IPC file holds Arrow
// data as in memory), scaled to the columns read by their default
// widths, at most the limit's rows (scan.Narrowing.Estimate). It reads no
// data. A body-compressed file is larger in memory than its size says.
func (s *Source) EstimatedBytes() (int64, bool) {
	sizes := make([]int64, len(s.files))
	for i, f := range s.files {
		sizes[i] = f.size
	}
	return s.Estimate(scan.StoredBytes(sizes, make([]bool, len(sizes))), s.Partitions()), true
}
