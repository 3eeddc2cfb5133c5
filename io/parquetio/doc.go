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
// Files whose schemas differ compatibly are read as one, as Spark's
// mergeSchema does: columns are matched by name, a column some files lack
// reads as NULL from those, and int32/int64 or float32/float64 read as the
// wider type; incompatible types fail NewSource with an error naming the
// column and both files (merge.go).
//
// Files are untrusted input. Metadata whose column chunks lie outside the
// file (arrow-go would allocate their stated size) or use a codec arrow-go
// lacks is refused, decoded batches are validated before they
// leave the package, and a panic inside arrow-go's decoders becomes an
// error wrapping ErrCorrupt that names the file (corrupt.go); fuzz targets
// FuzzFooter and FuzzPages keep it so.
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
