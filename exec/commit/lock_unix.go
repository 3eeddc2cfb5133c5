//go:build unix

package commit

import (
	"context"
	"fmt"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// lockParent takes the exclusive commit lock of the directory dir (an
// flock on the directory itself, so no lock file is left behind): the
// job commits of destinations in dir, in this process or any other on
// this host or sharing the filesystem's locks, run one at a time, so that
// an Append sees the dataset the one before it committed. It waits until
// the lock is free or ctx ends; the kernel releases the lock of a process
// that dies.
func lockParent(ctx context.Context, dir string) (unlock func(), err error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	for wait := time.Millisecond; ; wait = min(2*wait, 100*time.Millisecond) {
		err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			return func() {
				unix.Flock(int(f.Fd()), unix.LOCK_UN)
				f.Close()
			}, nil
		}
		if err != unix.EWOULDBLOCK && err != unix.EINTR {
			f.Close()
			return nil, fmt.Errorf("locking %s for the commit: %w", dir, err)
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("waiting for another job's commit to %s: %w", dir, context.Cause(ctx))
		case <-time.After(wait):
		}
	}
}
