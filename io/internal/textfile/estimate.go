package textfile

import "github.com/ember-df/ember/io/internal/scan"

// StoredBytes is the estimated in-memory size of files before narrowing
// (scan.StoredBytes): their sizes, a compressed one's multiplied.
func StoredBytes(files []File) int64 {
	sizes := make([]int64, len(files))
	compressed := make([]bool, len(files))
	for i, f := range files {
		sizes[i], compressed[i] = f.Size, f.Codec != nil
	}
	return scan.StoredBytes(sizes, compressed)
}
