//go:build !unix

package main

import "time"

// processCPU reports no CPU time: it is read with getrusage, which only
// Unix systems provide, and the bound is made of CPU times.
func processCPU() (time.Duration, bool) { return 0, false }
