//go:build !unix

package harness

import "os"

// peakRSS reports the peak resident set size as unknown: the harness reads
// it from getrusage data, which only Unix systems provide.
func peakRSS(*os.ProcessState) (int64, bool) { return 0, false }

// selfPeakRSS reports the harness's own peak resident set size as unknown.
func selfPeakRSS() (int64, bool) { return 0, false }
