//go:build unix

package harness

import (
	"os"
	"runtime"
	"syscall"
)

// peakRSS returns the peak resident set size, in bytes, of the finished
// process ps (ru_maxrss from wait4), and whether it is known.
func peakRSS(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok || ru == nil {
		return 0, false
	}
	return maxrssBytes(int64(ru.Maxrss)), true
}

// selfPeakRSS returns the harness's own peak resident set size in bytes.
// On Linux it is a floor under every child's figure: os/exec starts children
// with CLONE_VM, and the kernel carries the parent's high-water mark into
// the child's ru_maxrss at exec.
func selfPeakRSS() (int64, bool) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, false
	}
	return maxrssBytes(int64(ru.Maxrss)), true
}

// maxrssBytes converts ru_maxrss to bytes: it is in bytes on Apple systems
// and in KiB elsewhere (Linux, the BSDs).
func maxrssBytes(v int64) int64 {
	switch runtime.GOOS {
	case "darwin", "ios":
		return v
	default:
		return v * 1024
	}
}
