// Package parquetchoice backs ember's choice of Parquet library with a
// measurement: arrow-go's parquet/pqarrow (what io/parquetio is built on)
// against github.com/parquet-go/parquet-go, reading the same file into the
// same Arrow record batches, since ember's batches are Arrow.
//
// It holds two readers that return identical Arrow data, and benchmarks
// for both (parquetchoice_test.go):
//
//   - ReadPQArrow reads with pqarrow's RecordReader, as io/parquetio does;
//     buffered, it streams each column chunk through a 1 MiB buffer
//     instead of reading it whole first (arrow-go's default).
//   - ReadParquetGo reads with parquet-go's columnar API (row groups →
//     column chunks → pages) and appends each page's values to arrow-go
//     builders. In its default mode it takes the values straight from the
//     decoded page buffers (Page.Data: []int64, []float64, and byte-array
//     data plus offsets, or dictionary indexes plus the dictionary page), the
//     fastest way out of parquet-go; ModeValues goes through the generic,
//     value-at-a-time Page.Values().ReadValues([]parquet.Value) instead.
//
// Both decode on one goroutine (pqarrow's Parallel option off, as each
// ember partition reads), all selected columns batch by batch, in batches
// of 16,384 rows (ember's default), with Go's allocator. The adapter handles exactly
// what the benchmark file holds: flat, optional or required INT64, DOUBLE
// and string (BYTE_ARRAY) columns, plain or dictionary-encoded; pqarrow
// handles every type, nesting and time zones as well.
//
// Besides time and allocations, each benchmark reports cpu-sec/op: the
// process's user + system CPU time per read, garbage collector included,
// which varies far less than wall time on a busy machine.
//
// See docs/parquet.md ("pqarrow or parquet-go") for how to run them and
// for the results.
package parquetchoice
