package op

import "github.com/apache/arrow-go/v18/arrow"

// PhysicalNode is a node of a physical plan: it knows how many partitions
// it produces and builds the operator pipeline of each.
type PhysicalNode interface {
	// Schema is the schema of every batch the node's operators return.
	Schema() *arrow.Schema
	// Partitions is the number of output partitions.
	Partitions() int
	// Children returns the inputs, for EXPLAIN.
	Children() []PhysicalNode
	// String describes the node alone, for EXPLAIN.
	String() string
	// Operator builds the unopened pipeline producing partition p. It is
	// called once per partition per job, possibly concurrently.
	Operator(p int) (Operator, error)
}
