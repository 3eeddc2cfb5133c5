// Package csvio reads and writes CSV files as Arrow batches, with Spark's
// option names (header, sep, quote, escape, nullValue, inferSchema, mode,
// columnNameOfCorruptRecord, dateFormat, timestampFormat).
//
// Reading is parallel even within one file: a file is cut into byte ranges
// (splits), and each split starts at the first record that begins inside
// it. Quoted fields may hold delimiters, quotes and newlines, so a record
// boundary is a newline outside quotes: a split finds the quote state at its
// first byte by counting quotes before it (a memchr-speed scan), as DuckDB's
// parallel reader does. Only the columns a query uses are converted
// (projection pushdown), and a split stops after the rows a limit needs.
//
// Malformed records (wrong number of fields, values that do not parse as
// the column's type) are handled by mode: PERMISSIVE (the default) sets the
// bad fields to NULL and, when the schema has the corrupt-record column,
// stores the raw record there; DROPMALFORMED skips the record; FAILFAST
// stops with an error naming the file, line, column and value.
//
// Writing quotes a field only when it must (it holds the delimiter, a
// quote, a newline, or is an empty string, which thus stays distinct from
// NULL), doubling quotes inside as RFC 4180 does, and prints floats as
// Spark does (1.0, not 1).
package csvio
