// Package ipcio reads and writes Apache Arrow IPC data as Arrow batches:
// IPC files (the random-access format that starts and ends with the
// ARROW1 magic, usually .arrow or .feather v2) and IPC streams (.arrows).
//
// # Reading
//
// NewSource lists files, directories and globs (skipping _SUCCESS,
// _temporary and hidden names) and reads each file's schema: the footer of
// an IPC file, the first message of a stream. Option format says which
// framing to expect: file (the default), stream, or auto, which tells them
// apart by the magic. The files' schemas must agree: columns are matched
// by name, a column some files lack must be nullable where present (it
// reads as NULL elsewhere), and int32 and int64 (any two integers of one
// signedness, float32 and float64) merge to the wider type; anything else
// is an error naming both files and the column. Dictionary-encoded columns
// read as plain columns of their value type (strings as plain strings),
// wherever they nest: in lists, maps, structs and unions, and in the
// values of other dictionaries; a dictionary of values that arrow-go's
// compute cannot gather (list views) is an error naming the column and
// its type. Arrow allows a name on several columns, ember's plans select
// columns by name: a repeated name gets the column's index appended
// ("ints", "ints" read as "ints0", "ints1"), as csvio names repeated
// header names. Every column keeps its metadata; the schema's own does
// not travel (no ember source keeps it). Otherwise a file reads exactly as
// arrow-go's IPC readers read it, every Arrow type included (nulls,
// unions, views, run-end encoded, extension types): TestConformance holds
// the reader to that over files arrow-go writes of every type.
//
// A stream is one partition. The record batches of an IPC file are split
// into partitions of about the total bytes divided by Options.Partitions,
// at least one batch each, balanced by bytes, so that one big file is read
// on every core. Batches are cut to ScanOptions.BatchRows rows and, by
// their average row size, to about ScanOptions.BatchBytes; when neither is
// set, batches come as the file stores them. A limit stops each partition
// after its rows. Projection keeps only the columns asked for: arrow-go's
// readers have no column selection, so each record batch is read whole and
// the other columns are dropped at once, before any conversion or check.
//
// Files are read with ReadAt, never memory-mapped: every buffer comes from
// ScanOptions.Allocator and batches stay valid after the reader closes.
// The buffers of an uncompressed batch are slices of its message body, so
// a batch kept alive keeps the whole body, all columns, alive.
//
// Corrupt input is an error naming the file (and the record batch), never
// a crash: IPC metadata is checked before arrow-go reads it (vector
// lengths, nesting), allocations are bounded by what the file could hold,
// every column is checked before use (buffer sizes and offsets; strings
// are not checked for valid UTF-8), and what arrow-go leaves behind when
// it fails is freed when the reader closes. FuzzReader exercises this.
//
// # Writing
//
// Format writes one IPC file (extension "arrow") or, with format=stream,
// one stream ("arrows") per part, compressed with option compression =
// none (the default), lz4 or zstd. An IPC file holds one dictionary per
// column: batches with dictionary-encoded columns must share it (streams
// may replace it with every batch).
//
// Sources and formats are plan.Portable (kind "arrow"), so plans that
// read or write Arrow IPC can travel to other processes.
package ipcio
