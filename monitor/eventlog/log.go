package eventlog

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/ember-df/ember/exec"
)

// FilePrefix and FileSuffix frame the name of every event log file; the
// time the log opened (UTC, fixed width) and the process id go between.
const (
	FilePrefix = "ember-events-"
	FileSuffix = ".jsonl"
)

// Log writes the events it receives to one file of its directory, one
// JSON line per event. It is an exec.Listener: OnEvent never waits for
// the disk (the events queue in memory until the writer goroutine takes
// them). Create it with Open, give it to a session
// (frame.WithListener), and Close it after the session's last job.
type Log struct {
	path string
	file *os.File

	mu      sync.Mutex
	queue   []exec.Event // events not yet taken by the writer
	queued  int64        // events ever queued
	written int64        // events the writer has written and synced
	closed  bool
	err     error // the first write error; the log stops writing then
	wake    chan struct{}
	synced  *sync.Cond // signalled when written advances or the writer stops
	done    chan struct{}
}

// Open creates dir if needed and a new log file in it, and starts the
// log's writer goroutine.
func Open(dir string) (*Log, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	name := FilePrefix + time.Now().UTC().Format("20060102T150405.000000000Z") + fmt.Sprintf("-%d", os.Getpid()) + FileSuffix
	f, err := os.OpenFile(filepath.Join(dir, name), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	l := &Log{path: f.Name(), file: f, wake: make(chan struct{}, 1), done: make(chan struct{})}
	l.synced = sync.NewCond(&l.mu)
	go l.run()
	return l, nil
}

// Path is the log's file.
func (l *Log) Path() string { return l.path }

// OnEvent implements exec.Listener: it queues e for the writer and
// returns. Events after Close are dropped.
func (l *Log) OnEvent(e exec.Event) {
	l.mu.Lock()
	if l.closed || l.err != nil {
		l.mu.Unlock()
		return
	}
	l.queue = append(l.queue, e)
	l.queued++
	l.mu.Unlock()
	select {
	case l.wake <- struct{}{}:
	default: // the writer is already woken
	}
}

// Flush waits until every event received so far is written to the file
// (readable by another process; fsynced if a JobEnd was among them), and
// returns the log's first write error.
func (l *Log) Flush() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	target := l.queued
	for l.written < target && l.err == nil {
		l.synced.Wait()
	}
	return l.err
}

// Close writes and syncs what is queued, stops the writer and closes the
// file. It returns the log's first error; calling it again returns nil.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	close(l.wake)
	<-l.done
	l.mu.Lock()
	err := l.err
	l.mu.Unlock()
	if cerr := l.file.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("eventlog: %w", cerr)
	}
	return err
}

// run is the writer goroutine: it takes the queue whenever woken, writes
// it, and syncs after a JobEnd or when nothing more is queued and someone
// may be waiting.
func (l *Log) run() {
	defer close(l.done)
	w := bufio.NewWriterSize(l.file, 64<<10)
	enc := json.NewEncoder(w)
	for range l.wake {
		l.drain(w, enc, false)
	}
	l.drain(w, enc, true) // what came before Close
}

// drain writes every queued event and flushes them to the file; it
// fsyncs the file after a JobEnd, and at the end when closing.
func (l *Log) drain(w *bufio.Writer, enc *json.Encoder, closing bool) {
	for {
		l.mu.Lock()
		batch := l.queue
		l.queue = nil
		failed := l.err != nil
		l.mu.Unlock()
		if failed {
			return
		}
		if len(batch) == 0 {
			if closing {
				l.fail(l.file.Sync())
			}
			return
		}
		jobEnded, err := writeEvents(enc, batch)
		if err == nil {
			err = w.Flush()
		}
		if err == nil && jobEnded {
			err = l.file.Sync()
		}
		l.mu.Lock()
		l.written += int64(len(batch))
		l.mu.Unlock()
		l.fail(err)
	}
}

// fail records err, if any, as the log's first error, and wakes who waits
// in Flush.
func (l *Log) fail(err error) {
	l.mu.Lock()
	if err != nil && l.err == nil {
		l.err = fmt.Errorf("eventlog: %s: %w", l.path, err)
	}
	l.synced.Broadcast()
	l.mu.Unlock()
}

// writeEvents encodes events, one line each, and reports whether a job
// ended among them.
func writeEvents(enc *json.Encoder, events []exec.Event) (jobEnded bool, err error) {
	for _, e := range events {
		if err := enc.Encode(e); err != nil {
			return jobEnded, err
		}
		jobEnded = jobEnded || e.Kind == exec.JobEnd
	}
	return jobEnded, nil
}

var _ exec.Listener = (*Log)(nil)
