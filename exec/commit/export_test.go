package commit

import "os"

// What the external tests (package commit_test) reach of the protocol's
// insides: they drive it through exec.Write, which links this package.

// SetCrashAfter sets the crash hook: after each commit step, fn says
// whether the commit stops there as if the process had died (Commit
// returns ErrCrash, Abort cleans up nothing). nil removes the hook.
func SetCrashAfter(fn func(step int) bool) { crashAfter = fn }

// ErrCrash is what a commit stopped by the crash hook returns.
var ErrCrash = errCrash

// The commit steps, in order.
const (
	StepTasksDone      = stepTasksDone
	StepTemporaryGone  = stepTemporaryGone
	StepManifest       = stepManifest
	StepExistingLinked = stepExistingLinked
	StepSwapped        = stepSwapped
	StepOldRemoved     = stepOldRemoved
)

var (
	HostTag   = hostTag
	SwapPaths = swapPaths
)

// SetSyncFile replaces what flushes a file or directory to stable
// storage, so that tests see what the commit flushes; restore puts the
// real one back.
func SetSyncFile(fn func(path string) error) (restore func()) {
	real := syncFile
	syncFile = func(f *os.File) error { return fn(f.Name()) }
	return func() { syncFile = real }
}

// SetMaxOpenFiles bounds the files a task keeps open; restore puts the
// default back.
func SetMaxOpenFiles(n int) (restore func()) {
	old := maxOpenFiles
	maxOpenFiles = n
	return func() { maxOpenFiles = old }
}
