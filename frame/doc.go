// Package frame is ember's user API: a Session reads data into lazy,
// partitioned DataFrames; transformations (Select, Filter, WithColumn,
// GroupBy, OrderBy, …) only record a plan; actions (Count, Collect, Take,
// Show, Write) optimize and run it on every core.
//
// Names follow PySpark's DataFrame API in Go form, and actions take a
// context first. Errors are sticky, as with sql.Rows.Err: a transformation
// that refers to an unknown column or mixes incompatible types returns a
// DataFrame holding the error, every later transformation passes it on,
// and Err and every action return it. The message names the
// transformation, the column, and the columns that do exist.
package frame
