//go:build unix

package storage

import (
	"os"
	"syscall"
)

// openRegular opens p for reading without blocking: O_NONBLOCK makes
// opening a named pipe return at once instead of waiting for a writer
// (the caller then refuses it by its mode), and changes nothing for a
// regular file, whose reads never block on it.
func openRegular(p string) (*os.File, error) {
	return os.OpenFile(p, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
