// Package op holds the contracts that every physical operator of package
// exec and its sub-packages implements or leans on: PhysicalNode (a node
// of the physical plan, which builds one pipeline per partition),
// Operator (one pull-based step of a partition's pipeline), and the few
// helpers operators share to hand out batches (Holder, Drain); the memory
// a batch holds is measured by internal/arrowmem.
//
// It is the bottom of the exec tree: exec's scheduler and relational
// operators, and the model-call runtime in exec/call, import it, so that
// they can build on one another's nodes without importing each other.
package op
