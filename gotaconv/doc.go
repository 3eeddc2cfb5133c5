// Package gotaconv converts between gota DataFrames
// (github.com/go-gota/gota/dataframe) and ember DataFrames, so that code
// written against gota can hand its data to ember and take results back.
//
// FromGota copies a gota DataFrame into one in-memory partition of a
// Session; ToGota runs an ember DataFrame and copies its rows into a new
// gota DataFrame. Both copy: neither side ever sees the other's memory.
//
// The package owns only the mapping between the two type systems:
//
//	gota            ember (Arrow)
//	series.Int      int64      (ToGota also accepts int8…int32, uint8…uint32)
//	series.Float    float64    (ToGota also accepts float32)
//	series.String   string
//	series.Bool     boolean
//	NA element      NULL
//
// gota has no missing value distinct from its own NaN markers: a float
// NaN is NA, and so is the string "NaN". FromGota therefore turns both
// into NULLs, and ToGota cannot hand back a non-NULL float NaN or the
// string "NaN" as anything but NA.
//
// It lives outside ember's core on purpose: frame, plan, exec and io must
// not import gota (dep_test.go checks this), so that programs that never
// use gota do not link it and the core's dependencies stay those of
// arrow-go. A program that wants the bridge imports this package.
package gotaconv
