package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Limit keeps the first N rows: partitions are taken in order, so the rows
// are those of partition 0 first, as in Spark.
type Limit struct {
	Input Node
	N     int64
}

func (l *Limit) Schema() *arrow.Schema               { return l.Input.Schema() }
func (l *Limit) Children() []Node                    { return []Node{l.Input} }
func (l *Limit) String() string                      { return fmt.Sprintf("Limit %d", l.N) }
func (l *Limit) WithChildren(c []Node) (Node, error) { return &Limit{Input: c[0], N: l.N}, nil }
