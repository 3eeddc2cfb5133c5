// Package udf holds the contracts of user-defined functions. A scalar UDF
// maps columns of a batch to one column of the same length; it declares
// its signature instead of being reflected on, so a plan's schema resolves
// without running anything, and the engine checks every result against it.
//
// Model inference (udf.Predict), iterator UDFs with per-partition setup,
// typed generic helpers and registration by name build on these contracts
// in later work.
package udf
