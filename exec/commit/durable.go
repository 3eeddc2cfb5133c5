package commit

import (
	"io/fs"
	"os"
	"path/filepath"
)

// Durability on local disk. A rename is atomic but not durable: after a
// power loss the directory entry it made may be gone, and a file's data
// may not have reached the disk although its name has. So, unless the
// write says NoSync, the commit flushes (fsync) each part file before its
// task renames it into the staging directory, the manifest, and every
// directory of the staging tree before the swap, and the destination's
// parent after it. Once Commit has returned, the new dataset survives a
// power loss (docs/commit.md).

// syncFile flushes f to stable storage. Tests replace it to see what the
// commit flushes.
var syncFile = func(f *os.File) error { return f.Sync() }

// syncPath flushes the file or directory at path.
func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return syncFile(f)
}

// syncDirs flushes every directory of the tree at root, root included,
// so that the entries of the files renamed into them are durable.
func syncDirs(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return syncPath(path)
	})
}
