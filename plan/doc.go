// Package plan holds ember's logical plans: the nodes a DataFrame records
// (Scan, Project, Filter, Limit, Repartition, Coalesce, Aggregate, Sort,
// Union, Distinct, Join, Hint, MapBatches, Write), the expression trees
// they carry, the contracts that sources, sinks and user-defined functions
// implement, schema resolution and EXPLAIN printing.
//
// Plans are values: building one never runs anything. Every node resolves
// its output schema when it is built, so an unknown column or a type mismatch
// is reported at the transformation that introduced it. Nodes are immutable;
// the optimizer (package plan/optimize) rewrites a plan into a new one with
// WithChildren.
//
// Expressions come in two states. What a user writes (Col("x").Gt(Lit(2)))
// is unresolved; Resolve checks it against the input schema and returns the
// resolved form, in which every implicit conversion is an explicit Cast and
// every node knows its output type. Plan nodes only ever hold resolved
// expressions, and the executor evaluates only resolved expressions.
//
// Plans serialize (Marshal, Unmarshal) to versioned JSON, format version
// WireVersion; every Arrow type travels complete (EncodedField,
// EncodedType), and a plan Marshal accepts always decodes.
package plan
