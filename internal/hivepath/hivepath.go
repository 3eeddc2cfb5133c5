// Package hivepath is the codec of Hive-style partition directories,
// col=value/col=value/…, as Spark and Hive write them: the writers of
// exec/commit render them and io/hive parses them.
package hivepath

import (
	"fmt"
	"net/url"
	"strings"
)

// DefaultPartition is the directory value of NULL (and of the empty
// string), as Hive and Spark write it.
const DefaultPartition = "__HIVE_DEFAULT_PARTITION__"

// Escape escapes a column name or value for a directory name the way
// Spark does: characters that paths or Hive reserve become %XX.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || strings.IndexByte("\"#%'*/:=?\\{[]^", c) >= 0 {
			fmt.Fprintf(&b, "%%%02X", c)
		} else {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Unescape undoes Escape; it decodes every %XX, as Spark does, and fails
// on a % not followed by two hex digits.
func Unescape(s string) (string, error) { return url.PathUnescape(s) }

// Dir renders one partition's directory, e.g. "year=2024/country=FR",
// from the partition columns' names and the row's values, both escaped;
// an empty value (NULL, or the empty string) is DefaultPartition.
func Dir(names, values []string) string {
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString(Escape(name))
		b.WriteByte('=')
		if values[i] == "" {
			b.WriteString(DefaultPartition)
		} else {
			b.WriteString(Escape(values[i]))
		}
	}
	return b.String()
}

// ParseDir reads the col=value segments of rel, a slash-separated
// directory path relative to a dataset's root, unescaped; a value of
// DefaultPartition is returned as it is. names is nil when some segment
// is not col=value with a column name (rel is not a partition
// directory), and an error names a segment that does not unescape.
func ParseDir(rel string) (names, values []string, err error) {
	for _, seg := range strings.Split(rel, "/") {
		name, value, ok := strings.Cut(seg, "=")
		if !ok || name == "" {
			return nil, nil, nil
		}
		n, err1 := Unescape(name)
		v, err2 := Unescape(value)
		if err1 != nil || err2 != nil {
			return nil, nil, fmt.Errorf("bad partition directory %q", seg)
		}
		names, values = append(names, n), append(values, v)
	}
	return names, values, nil
}
