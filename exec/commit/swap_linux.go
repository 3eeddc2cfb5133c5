package commit

import (
	"errors"

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
