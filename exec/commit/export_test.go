package commit

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
