// Package parquetio reads and writes Apache Parquet files as Arrow
// batches, on arrow-go's parquet/pqarrow.
//
// Reading splits files into partitions of whole row groups (about
// total/parallelism bytes each), so one large file is read on every core;
// reads only the column chunks of the projected columns (projection
// pushdown); and skips row groups whose min/max statistics prove that a
// pushed-down filter cannot match (row-group pruning; the filter itself
// still runs above the scan, so pruning only ever saves work). Nested types
// (lists, structs) and NULLs are read as Arrow's own; strings come back as
// plain Arrow strings even when the file stores them dictionary-encoded.
//
// Writing uses snappy by default (zstd, gzip, brotli, lz4 or none by the
// "compression" option) and a row-group size option ("rowGroupRows").
//
// Why pqarrow rather than github.com/parquet-go/parquet-go: ember's batches
// are Arrow, and pqarrow decodes pages straight into Arrow buffers, where
// parquet-go decodes into its own values that would have to be copied into
// Arrow builders value by value; pqarrow also carries the Arrow schema in
// the file (nested types, time zones) both ways. See docs/parquet.md for the
// measurement.
package parquetio
