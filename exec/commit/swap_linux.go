package commit

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// errNoExchange says the filesystem cannot swap two paths atomically.
var errNoExchange = errors.New("exec: atomic exchange not supported")

// exchangePaths swaps two paths with renameat2(RENAME_EXCHANGE).
func exchangePaths(a, b string) error {
	err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EOPNOTSUPP) {
		return errNoExchange
	}
	return err
}

func processAlive(pid int) bool {
	err := unix.Kill(pid, 0)
	return err == nil || errors.Is(err, unix.EPERM)
}

// isMountPoint reports whether the directory dir (described by info) is
// the root of a mounted filesystem: another device than its parent's, or
// the filesystem root.
func isMountPoint(dir string, info os.FileInfo) bool {
	parent, err := os.Stat(filepath.Dir(dir))
	if err != nil || filepath.Dir(dir) == dir {
		return filepath.Dir(dir) == dir
	}
	a, ok1 := info.Sys().(*syscall.Stat_t)
	b, ok2 := parent.Sys().(*syscall.Stat_t)
	return ok1 && ok2 && a.Dev != b.Dev
}
