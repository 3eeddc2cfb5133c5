// Package storage is the one filesystem layer under every reader, writer
// and the commit protocol: files are addressed by URL-ish paths, and each
// scheme has a filesystem (FS).
//
//   - a plain path, or file:///abs/path, is the local disk;
//   - mem://bucket/key is an in-memory object store, process-wide, for
//     tests (DropMemBucket empties a bucket);
//   - http://… and https://… are read-only: Stat is a HEAD request, ranged
//     reads use the Range header when the server honours it, and there is
//     no listing;
//   - other schemes are registered by the packages that implement them
//     (Register): import _ "github.com/ember-df/ember/storage/cloud" adds
//     s3://, gs:// and azblob://, built on gocloud.dev/blob.
//
// An unregistered scheme is an error that names it and the supported
// ones (ErrUnsupportedScheme).
//
// On object stores a "directory" is a key prefix ending in "/": Stat of a
// path with keys below it reports a directory, List lists every key below
// it, and there is no rename. Objects become visible whole, when their
// Writer is closed successfully; an aborted or failed writer leaves
// nothing behind. A commit protocol over this package therefore writes
// uniquely named objects and a manifest last, instead of renaming.
//
// The package also owns whole-file compression, chosen by extension when
// reading (.gz, .bz2, .zst, .lz4, .snappy, .deflate) and by Spark's
// compression option when writing (see Codec), and File, random access
// to a file over ranged reads, which lets Parquet and Arrow IPC readers
// fetch the footer and the column chunks they need instead of whole
// objects. Bytes fetched are counted per scheme (ReadStatsOf).
//
// The package is a leaf: it imports the standard library and compression
// libraries only.
package storage
