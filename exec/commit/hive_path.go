package commit

import (
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/internal/hivepath"
)

// partitionDir renders row's directory under the partition columns, e.g.
// "year=2024/country=FR" (see package hivepath); values (one per column)
// and buf are scratch space, and the grown buf is returned for reuse.
func partitionDir(names []string, cols []arrow.Array, row int, values []string, buf []byte) (string, []byte) {
	for i, c := range cols {
		values[i] = "" // NULL: the default partition
		if c.IsValid(row) {
			buf = eval.AppendValue(buf[:0], c, row)
			values[i] = string(buf)
		}
	}
	return hivepath.Dir(names, values), buf
}
