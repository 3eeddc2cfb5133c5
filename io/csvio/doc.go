// Package csvio reads and writes CSV files as Arrow batches, with Spark's
// option names (header, sep, quote, escape, comment, nullValue,
// inferSchema, mode, columnNameOfCorruptRecord, dateFormat,
// timestampFormat, encoding, maxCharsPerColumn), skipRows and
// maxRecordBytes.
//
// Reading is parallel even within one file: a file is cut into byte ranges
// (splits), and each split starts at the first record that begins inside
// it. Quoted fields may hold delimiters, quotes and newlines, so a record
// boundary is a newline outside quotes: a split finds the quote state at its
// first byte by scanning the quotes before it (at memchr speed: only the
// quotes and the byte before each are looked at), as DuckDB's parallel
// reader does. Each piece of a file is scanned once, however many splits
// are opened, and the splits share the work. A quote opens a quoted field
// only at the start of a field; one inside an unquoted field (5'11", a"b)
// is data, as Spark and DuckDB read it. Reading the splits in order gives
// the same rows, in the same order, as reading the file whole.
//
// Files are read through package storage, so paths may be local, mem://,
// http(s):// or any registered scheme (s3://, gs://, azblob:// with
// storage/cloud), and globs work on all of them. A file whose extension
// names a codec (.gz, .bz2, .zst, .lz4, .snappy, .deflate) is decompressed
// and, since a compressed stream cannot be entered in the middle, is one
// split (EXPLAIN says "(gzip: not split)"). The compression option writes
// part files compressed, their extension following the format's
// (part-….csv.gz).
//
// Records end at \n, \r or \r\n, outside quotes (as Spark and DuckDB read
// them), whatever mix a file uses. A UTF-8 byte order mark at the start of
// a file is skipped. Blank lines are skipped, and so are the first
// SkipRows lines and comment lines (Comment); with a header, the first
// other line of every file is its header. Files read together must have
// headers with the same names: in another order, their columns are matched
// by name (as Spark checks them with enforceSchema=false); other names are
// an error naming both files and headers. A path that exists as written is
// read as it is, even with glob characters in its name.
//
// A quote that never closes would swallow the rest of the file: the record
// is cut at its first line end and is malformed (see mode), and the lines
// after it are read as records. A record longer than maxRecordBytes
// (64 MiB by default) is malformed too, and reading resumes after its end,
// so no input makes a record — or the memory a split holds — grow without
// bound; maxCharsPerColumn bounds one field. String fields must be valid
// UTF-8, or the record is malformed; the encoding option reads files in
// other charsets (UTF-16 and UTF-32, the ISO-8859 and Windows code pages,
// Shift_JIS, GBK, Big5, … by their Java names; see Options.Encoding),
// converting them to UTF-8. quote="" turns quoting off. An unquoted empty field and an unquoted nullValue are
// NULL; a quoted empty field ("") is the empty string (NULL for other
// types). Only the columns a query uses are converted (projection
// pushdown), and a split stops after the rows a limit needs.
//
// Malformed records (wrong number of fields, values that do not parse as
// the column's type) are handled by mode: PERMISSIVE (the default) sets the
// bad fields to NULL and, when the schema has the corrupt-record column,
// stores the raw record there; DROPMALFORMED skips the record; FAILFAST
// stops with an error wrapping ErrMalformed and naming the file, line,
// column and value. Whether a record is malformed never depends on the
// projection: the columns not read are still checked when it matters.
//
// Writing quotes a field only when it must (it holds the delimiter, a
// quote, a newline, or is an empty string or the null value, which thus
// stay distinct from NULL), doubling quotes inside as RFC 4180 does and
// escaping the escape character, prints floats as Spark does (1.0, not 1),
// and formats dates and timestamps with dateFormat and timestampFormat, so
// that what is written with some options reads back the same with them.
// It encodes its files in the encoding option's charset. What cannot be
// written so that it reads back is an error wrapping ErrCannotWrite that
// names the column and row: a character the charset lacks, or, with
// quote="" (no quoting), a value holding the delimiter or a line end.
// Exceptions: a NULL in a file of a single string column (of any column
// type without quoting) is written as a blank line, which reading skips;
// without quoting, an empty string and one equal to the null value read
// back as NULL.
package csvio
