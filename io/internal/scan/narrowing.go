package scan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// Narrowing is what projection and limit pushdown change in a file source.
// Sources embed it by value, so a narrowed copy shares everything else,
// and get Schema from it.
type Narrowing struct {
	Full  *arrow.Schema // every column the source can read
	Cols  []int         // projected indices in Full: the output columns
	Limit int64         // rows per partition; negative means none
}

// narrowing returns n itself, for Projected and Limited to reach the
// embedded value.
func (n *Narrowing) narrowing() *Narrowing { return n }

// Schema implements plan.Source: the projected columns.
func (n *Narrowing) Schema() *arrow.Schema { return Select(n.Full, n.Cols) }

// narrowable is a pointer to a source that embeds Narrowing.
type narrowable[S any] interface {
	*S
	plan.Source
	narrowing() *Narrowing
}

// Projected is a source's Project (plan.ProjectingSource): a copy of s
// reading only the named columns, in the source's order. Naming a column
// twice is naming it once; naming one the source lacks is an error that
// names the format.
func Projected[S any, P narrowable[S]](s P, format string, columns []string) (plan.Source, error) {
	cols, err := Project(s.narrowing().Full, s.narrowing().Cols, columns)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", format, err)
	}
	out := P(new(S))
	*out = *s
	out.narrowing().Cols = cols
	return out, nil
}

// Limited is a source's WithLimit (plan.LimitingSource): a copy of s
// yielding at most n rows per partition; a negative n means no limit.
func Limited[S any, P narrowable[S]](s P, n int64) plan.Source {
	out := P(new(S))
	*out = *s
	out.narrowing().Limit = max(n, -1)
	return out
}

// CheckPartition is the error for opening partition p of a source with n
// partitions when p is out of range, or nil.
func CheckPartition(format string, p, n int) error {
	if p < 0 || p >= n {
		return fmt.Errorf("%s: partition %d out of range [0, %d)", format, p, n)
	}
	return nil
}
