package exec

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// unionExec lays its inputs' partitions end to end.
type unionExec struct {
	inputs []PhysicalNode
	schema *arrow.Schema
}

func (u *unionExec) Schema() *arrow.Schema    { return u.schema }
func (u *unionExec) Children() []PhysicalNode { return u.inputs }
func (u *unionExec) String() string           { return fmt.Sprintf("UnionExec (%d partitions)", u.Partitions()) }

// Partitions implements PhysicalNode.
func (u *unionExec) Partitions() int {
	n := 0
	for _, in := range u.inputs {
		n += in.Partitions()
	}
	return n
}

func (u *unionExec) childPartitions(p int) [][]int {
	out := make([][]int, len(u.inputs))
	for i, in := range u.inputs {
		if p >= 0 && p < in.Partitions() {
			out[i] = []int{p}
		}
		p -= in.Partitions()
	}
	return out
}

// Operator implements PhysicalNode.
func (u *unionExec) Operator(p int) (Operator, error) {
	for _, in := range u.inputs {
		if p < in.Partitions() {
			return in.Operator(p)
		}
		p -= in.Partitions()
	}
	return nil, fmt.Errorf("exec: union has no partition %d", p)
}
