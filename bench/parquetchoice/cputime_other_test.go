//go:build !unix

package parquetchoice

import "time"

// processCPU reports no CPU time: it is read with getrusage, which only
// Unix systems provide.
func processCPU() time.Duration { return 0 }
