// Package jsonio reads and writes JSON lines (one JSON object per line,
// also called NDJSON; Spark's json format) as Arrow batches, with Spark's
// option names (mode, columnNameOfCorruptRecord, samplingRows,
// primitivesAsString, dropFieldIfAllNull, dateFormat, timestampFormat,
// ignoreNullFields, maxPartitionBytes). It owns the JSON parser, the
// conversion of JSON values to Arrow types, schema inference, the
// splitting of files for parallel reading, and the JSON writer.
//
// # Reading
//
// Each non-blank line holds one object; blank (whitespace-only) lines are
// skipped and a UTF-8 byte order mark at the start of a file is ignored.
// Keys are matched to columns by exact (case-sensitive) name; a key the
// schema lacks is ignored, a column whose key is absent is NULL, and of a
// key given twice the last value wins. Nested objects read into structs
// and arrays into lists (list, large_list, and fixed_size_list for
// embeddings of a set length, such as list<float32> or
// fixed_size_list<float32>[384]); lists of structs and deeper nestings
// work alike. Strings come back as plain Arrow strings.
//
// Values convert as Spark converts them: integers (not 1.0, not "1") to
// integer columns when they fit; any number, NaN, Infinity and -Infinity
// (bare, as Python writes them, or as strings, as Spark writes them) to
// float columns; true and false to booleans; strings in dateFormat and
// timestampFormat to dates and timestamps (and integers to timestamps, as
// seconds since the epoch); base64 strings to binary; numbers and numeric
// strings to decimal128. A string column takes a string's value and the
// JSON text of any other value (compacted, as Spark re-serializes it).
//
// A record is malformed when its line is not valid JSON (including invalid
// UTF-8), holds something other than an object, or holds a value that
// does not fit its column's type. Malformed records are handled by mode:
// PERMISSIVE (the default) keeps the row, with NULL for every value that
// could not be read (every column, when the line is not a valid JSON
// object) and, when the schema has the corrupt-record column
// (columnNameOfCorruptRecord, a string), the raw line there; DROPMALFORMED
// skips the record; FAILFAST stops with an error wrapping ErrMalformed
// that names the file, the line and the cause (for a value, its field
// path such as items[2].price).
// Whether a record is malformed never depends on the projection.
//
// Only the projected columns are converted (projection pushdown), and a
// split stops after the rows a limit needs (limit pushdown). Each line is
// first parsed into a flat token tape by a hand-written scanner that
// validates it whole, then the converters walk the tokens they need: no
// reflection and no allocation per value (decimals aside).
// BenchmarkRead (a 100k-row, 34 MB file of 10 columns: ints, floats,
// strings with escapes and non-ASCII, a boolean, a timestamp, a nested
// struct, a list of strings and an 8-float embedding) reads about 145 MB
// per CPU-second on one goroutine with every column converted, 325 MB/s
// with one column projected, and infers its schema at 265 MB/s, against
// 40 MB/s for encoding/json decoding each line into a map[string]any,
// which builds no Arrow data at all (Xeon at 2.8 GHz; wall-clock figures
// on that busy machine were 45-110 MB/s). BenchmarkWrite writes 230 MB per
// CPU-second.
//
// Reading is parallel within a file: files are cut into byte ranges
// (splits) of about total/Partitions bytes, between 4 MiB and
// MaxSplitBytes, and a split reads the lines that start in it — from the
// byte after the first newline at or after its start-1. Since a newline
// cannot appear raw inside a JSON string, no other state is needed, and
// reading the splits in order gives the same rows as reading the file
// whole. Line numbers in errors are counted only when an error needs one.
//
// Paths may be files, directories (read recursively) and globs, on any
// filesystem package storage reaches (local, mem://, http(s)://, and
// s3://, gs://, azblob:// with storage/cloud); files and directories whose
// names start with "_" or "." (_SUCCESS, _temporary, .hidden) are skipped.
// A file whose extension names a codec (.gz, .bz2, .zst, .lz4, .snappy,
// .deflate) is decompressed and read as one split, not cut (EXPLAIN says
// "(gzip: not split)"); the compression option writes compressed part
// files (part-….json.gz).
//
// # Schema inference
//
// Without a schema, the first samplingRows non-blank lines of the files
// are sampled. Integers give int64 (float64 when too big for it), numbers
// with a fraction or an exponent float64, and both together float64;
// true/false give bool, strings string, objects structs and arrays lists
// of the unified element type. Fields that were only ever null give
// string (or are left out, with dropFieldIfAllNull), and any other mix of
// kinds gives string, read as described above. With primitivesAsString,
// numbers and booleans give string too. Fields keep the order in which
// their keys were first seen, at the top level and in nested objects
// alike (Spark sorts them by name; first-seen order is what the data
// shows and what DuckDB and pandas keep). As in Spark, objects that never
// had a key (and arrays of them) are left out, and in PERMISSIVE mode a
// malformed line in the sample adds the corrupt-record column, last.
// Inference never produces dates or timestamps: give a schema for them.
//
// # Writing
//
// Format writes one object per row with the columns in schema order,
// leaving NULL fields out (at every level of nesting) unless
// ignoreNullFields is false; NULL list elements are written as null.
// Floats are written so that they read back exactly and as floats (1.0,
// 1e+20), NaN and the infinities as the strings "NaN", "Infinity" and
// "-Infinity"; strings as valid UTF-8 JSON (invalid bytes become U+FFFD);
// binary as base64; dates as 2006-01-02 and timestamps as RFC 3339 in UTC
// with as many fractional digits as needed (or with dateFormat and
// timestampFormat); decimals as numbers; structs as objects and lists as
// arrays; dictionary arrays as their values.
//
// Sources and formats implement plan.Portable under the kind "jsonl", so
// plans that read or write JSON lines travel (plan.Marshal).
package jsonio
