// Package eventlog writes the job events of a session to disk as JSON
// lines and reads them back — Spark's event log idea: what a finished
// program did stays inspectable (ember ui EVENTLOG_DIR replays it).
//
// A Log is an exec.Listener that writes one file per session (as Spark
// writes one per application) in its directory, named so that the files
// sort by the time they were opened:
//
//	ember-events-20261207T051812.123456789Z-4242.jsonl
//
// Each line is one exec.Event as encoding/json marshals it (the live view
// of a running job does not travel). Events are handed to a writer
// goroutine, so tasks never wait for the disk; the file is flushed and
// fsynced after every JobEnd and at Close. Replay reads a directory back
// in time order, tolerating a truncated last line (a killed process).
package eventlog
