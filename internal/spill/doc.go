// Package spill keeps Arrow record batches in local temporary files while
// an operator has no memory left for them: the executor's exchanges,
// sorts and aggregates write what does not fit in their memory budget
// here and read it back batch by batch.
//
// A Dir is one job's directory of spill files, created on the first
// spill under a base directory and removed, with everything in it, by
// Remove. A Writer writes one file: an Arrow IPC stream whose buffers are
// LZ4-compressed. Finish turns it into a File, which any number of
// Readers may read concurrently until it is removed. A Dir counts the
// files it created and the bytes written to them, for the job's metrics.
//
// Spill files are written and read by the same process and are never
// trusted from elsewhere, so they are decoded with arrow-go's IPC reader
// directly (internal/arrowipc hardens untrusted IPC bytes).
//
// The package imports only the standard library and arrow-go.
package spill
