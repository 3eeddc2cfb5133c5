package exec

import (
	"github.com/ember-df/ember/exec/op"
	"github.com/ember-df/ember/plan"
)

// Operator is one step of a partition's pipeline: see op.Operator, where
// the contract lives so that the operators of exec's sub-packages
// implement it too.
type Operator = op.Operator

// PhysicalNode is a node of a physical plan (a Stage's operator tree):
// see op.PhysicalNode.
type PhysicalNode = op.PhysicalNode

// ExplainPhysical renders a physical plan as an indented tree.
func ExplainPhysical(n PhysicalNode) string {
	return plan.FormatTree(n, PhysicalNode.Children, func(n PhysicalNode) string {
		return n.String()
	})
}
