package scan

import (
	"math"

	"github.com/ember-df/ember/plan"
)

// compressedFactor is how many times its stored size a compressed text
// file is estimated to take in memory: gzip and zstd shrink CSV and JSON
// three to five times; erring high keeps a join from broadcasting an
// input bigger than it looks.
const compressedFactor = 5

// StoredBytes is the estimated in-memory size of files of the given
// stored sizes, compressed ones marked, before narrowing.
func StoredBytes(sizes []int64, compressed []bool) int64 {
	var total float64
	for i, n := range sizes {
		f := float64(max(n, 0))
		if compressed[i] {
			f *= compressedFactor
		}
		total += f
	}
	return int64(min(total, math.MaxInt64/2))
}

// Estimate is plan.SizeEstimator's estimate for a file source
// that knows its files' sizes, as Spark's file-size statistics do: the
// in-memory size of all its columns (bytes, from StoredBytes), scaled to
// the columns it reads by their default widths (plan.RowWidth), and at
// most its limit's rows in each of its partitions.
func (n *Narrowing) Estimate(bytes int64, partitions int) int64 {
	if n.Limit == 0 {
		return 0
	}
	full, read := plan.RowWidth(n.Full), plan.RowWidth(n.Schema())
	if full > 0 && read < full {
		bytes = int64(float64(bytes) * float64(read) / float64(full))
	}
	if n.Limit > 0 {
		bytes = min(bytes, n.Limit*int64(max(partitions, 1))*read)
	}
	return bytes
}
