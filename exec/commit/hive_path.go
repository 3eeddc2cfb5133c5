package commit

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/eval"
)

// HiveDefaultPartition is the directory value of NULL (and the empty
// string), as Hive and Spark write it.
const HiveDefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// EscapePartitionValue escapes a value for a col=value directory name the
// way Spark does: characters that paths or Hive reserve become %XX.
func EscapePartitionValue(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte("\"#%'*/:=?\\{[]^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// partitionDir renders row's directory under the partition columns, e.g.
// "year=2024/country=FR".
func partitionDir(names []string, cols []arrow.Array, row int, buf []byte) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(EscapePartitionValue(names[i]))
		b.WriteByte('=')
		if c.IsNull(row) {
			b.WriteString(HiveDefaultPartition)
			continue
		}
		buf = eval.AppendValue(buf[:0], c, row)
		if len(buf) == 0 {
			b.WriteString(HiveDefaultPartition)
			continue
		}
		b.WriteString(EscapePartitionValue(string(buf)))
	}
	return b.String()
}
