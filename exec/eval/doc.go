// Package eval evaluates the resolved expressions of package plan over
// Arrow batches, with Spark's semantics: three-valued logic, NULL for a
// division by zero, lenient casts (a string that does not parse becomes
// NULL), Spark's text form of values (AppendValue).
//
// It owns the Evaluator and its kernels (arithmetic, strings, CASE WHEN,
// casts), the typed value access that aggregates and sorts share
// (Int64Getter, Float64Getter, CopyValue), the key encoding and hash that
// grouping and hash partitioning rely on (KeyEncoder, HashKey: stable
// across processes), and TakeBatch.
//
// Every function that returns an Arrow value hands its reference to the
// caller, who releases it; inputs are borrowed.
package eval
