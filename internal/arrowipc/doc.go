// Package arrowipc hardens the decoding of Arrow IPC bytes that ember does
// not trust: files and streams it reads (io/ipcio) and the batches its
// model plugins send back (plugins/internal/wire).
//
// arrow-go trusts what IPC metadata says: a corrupt schema of a few bytes
// claiming four billion fields makes it allocate hundreds of gigabytes,
// a field that is its own child recurses without end, a compressed buffer
// may claim any uncompressed length, and a decoder that panics half-way
// keeps buffers no one will release. The package answers each:
//
//   - CheckMessage and CheckFooter walk a message's (or a file footer's)
//     flatbuffer before arrow-go reads it: every vector must fit in the
//     bytes received, fields nest at most 64 deep and form a tree.
//     CheckStream does that for every message of an in-memory stream and
//     checks its framing.
//   - Validate checks a decoded array before anything reads its values.
//   - Allocator refuses single allocations over a limit (with a panic,
//     which the caller's recover turns into an error), and frees with
//     Sweep what a failed decode left behind.
//
// The package imports only the standard library and arrow-go, so that
// every layer may use it.
package arrowipc
