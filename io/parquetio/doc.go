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
// plain Arrow strings even when the file stores them dictionary-encoded
// (such columns, when their dictionaries are small, are decoded as
// dictionaries and expanded in one pass: dictstrings.go).
//
// Files are read through package storage (local, mem://, http(s)://, and
// s3://, gs://, azblob:// with storage/cloud) by ranged reads: the footer,
// then only the column chunks needed, never whole objects.
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
// Files written by other implementations read as DuckDB reads them
// (TestConformanceParquetGoCorpus compares the two over parquet-go's
// testdata; docs/parquet.md lists what remains). ember reads the footer
// itself (footer.go) so that INT96 timestamps read as microseconds, as
// Spark and DuckDB read them (int96.go: timestamp[us, UTC], any date Spark
// writes), and a logical type arrow-go does not know is ignored; and it
// registers with arrow-go a codec for the deprecated LZ4 codec in
// parquet-mr's Hadoop framing (lz4.go).
//
// Writing uses snappy by default (zstd, gzip, brotli, lz4 or none by the
// "compression" option) and a row-group size option ("rowGroupRows").
//
// Why pqarrow rather than github.com/parquet-go/parquet-go (measured in
// docs/parquet.md, rerun with go test -bench . ./bench/parquetchoice): a
// bulk parquet-go-to-Arrow adapter we wrote reads a 2M × 20 file about 22%
// faster than pqarrow, while parquet-go's value-by-value API is 41% slower.
// We keep pqarrow because it covers every type and nesting level, carries
// the Arrow schema in the file both ways (time zones, nested types), and is
// the same arrow-go stack the rest of the engine uses; its gap is in a few
// code paths (string builder growth, per-batch allocation) worth fixing
// upstream rather than maintaining a second decoder.
package parquetio
