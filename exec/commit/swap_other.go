//go:build !linux

package commit

import (
	"errors"
	"os"
	"path/filepath"
)

// errNoExchange says the filesystem cannot swap two paths atomically.
var errNoExchange = errors.New("exec: atomic exchange not supported")

// exchangePaths has no atomic form here; swapPaths falls back to renames.
func exchangePaths(a, b string) error { return errNoExchange }

// processAlive cannot tell portably whether a process lives; it answers
// yes, so abandoned staging directories are kept rather than risked.
func processAlive(pid int) bool {
	_, err := os.FindProcess(pid)
	return err == nil
}

// isMountPoint reports whether dir is the filesystem root; mounts are not
// detected here.
func isMountPoint(dir string, _ os.FileInfo) bool { return filepath.Dir(dir) == dir }
