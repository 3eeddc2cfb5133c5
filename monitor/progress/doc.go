// Package progress draws the jobs of a session on a terminal while they
// run: per stage, partitions done out of total, rows and bytes read,
// rows per second and an ETA, and per job its model calls (batches,
// failed rows). The display is redrawn in place a few times a second and
// each job leaves one summary line when it ends.
//
// A Display is an exec.Listener (frame.WithProgress installs one). It
// draws nothing unless its writer is a terminal (golang.org/x/term
// decides), so pipes and CI logs stay clean, unless Mode is Always.
// OnEvent only records which jobs run; a goroutine of the display polls
// their live progress (exec.LiveJob) and draws, so tasks never wait for
// the terminal.
package progress
