package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"golang.org/x/term"

	"github.com/ember-df/ember/exec"
)

// Mode says when a Display draws.
type Mode int

const (
	// Auto draws when the writer is a terminal, and nothing otherwise.
	Auto Mode = iota
	// Always draws, terminal or not (the writer then receives the
	// terminal's control sequences too).
	Always
	// Never draws nothing.
	Never
)

// DefaultInterval is how often a Display redraws by default.
const DefaultInterval = 150 * time.Millisecond

// Options configure a Display. The zero value draws on os.Stderr when it
// is a terminal.
type Options struct {
	// Writer receives the display; default os.Stderr. In Auto mode it
	// must be a terminal (an *os.File, or anything with an Fd method,
	// that golang.org/x/term says is one) for anything to be drawn.
	Writer io.Writer
	// Mode says when to draw (default Auto).
	Mode Mode
	// Interval is the time between redraws (default DefaultInterval).
	Interval time.Duration
}

// Display draws the progress of running jobs. It is an exec.Listener;
// OnEvent is safe for concurrent use and never waits for the terminal.
// Jobs are told apart by Event.Job (frame numbers them). Close stops it.
type Display struct {
	w        io.Writer
	width    func() int // the terminal's width, 0 when unknown
	active   bool
	interval time.Duration

	mu      sync.Mutex
	jobs    []*jobView // running, oldest first
	ended   []ended    // jobs that ended since the last redraw
	drawing bool       // a draw goroutine runs
	closed  bool
	wake    chan struct{}
	wg      sync.WaitGroup

	drawMu    sync.Mutex // serializes redraws
	liveLines int        // lines of the live block last drawn, to erase
}

// jobView is what the display knows of a running job.
type jobView struct {
	job         int64
	description string
	stages      []exec.StageInfo
	live        exec.LiveJob
	start       time.Time
}

// ended is a job's end, to summarize.
type ended struct {
	view *jobView
	end  exec.Event
}

// New returns a display configured by o.
func New(o Options) *Display {
	d := &Display{w: o.Writer, interval: o.Interval, wake: make(chan struct{}, 1), width: func() int { return 0 }}
	if d.w == nil {
		d.w = os.Stderr
	}
	if d.interval <= 0 {
		d.interval = DefaultInterval
	}
	fd, isFile := fileDescriptor(d.w)
	terminal := isFile && term.IsTerminal(fd)
	if terminal {
		d.width = func() int {
			w, _, err := term.GetSize(fd)
			if err != nil {
				return 0
			}
			return w
		}
	}
	d.active = o.Mode == Always || o.Mode == Auto && terminal
	return d
}

// fileDescriptor is w's file descriptor, when it has one.
func fileDescriptor(w io.Writer) (int, bool) {
	f, ok := w.(interface{ Fd() uintptr })
	if !ok {
		return 0, false
	}
	return int(f.Fd()), true
}

// Active reports whether the display draws (see Mode).
func (d *Display) Active() bool { return d.active }

// OnEvent implements exec.Listener: JobStart adds the job to the display,
// JobEnd replaces it with its summary line; other events are not needed,
// since the display polls each job's live view.
func (d *Display) OnEvent(e exec.Event) {
	if !d.active || e.Kind != exec.JobStart && e.Kind != exec.JobEnd {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	switch e.Kind {
	case exec.JobStart:
		d.jobs = append(d.jobs, &jobView{job: e.Job, description: e.Description, stages: e.Stages, live: e.Live, start: e.Time})
		if !d.drawing {
			d.drawing = true
			d.wg.Add(1)
			go d.draw()
		}
	case exec.JobEnd:
		for i, v := range d.jobs {
			if v.job == e.Job {
				d.jobs = append(d.jobs[:i:i], d.jobs[i+1:]...)
				d.ended = append(d.ended, ended{view: v, end: e})
				break
			}
		}
		select {
		case d.wake <- struct{}{}:
		default:
		}
	}
}

// Close erases the live display and stops drawing; jobs still running
// are no longer shown.
func (d *Display) Close() error {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
	d.wg.Wait()
	return nil
}

// draw redraws every interval, and when a job ends, until no job runs.
func (d *Display) draw() {
	defer d.wg.Done()
	tick := time.NewTicker(d.interval)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
		case <-d.wake:
		}
		d.mu.Lock()
		jobs := append([]*jobView(nil), d.jobs...)
		done := d.ended
		d.ended = nil
		last := len(d.jobs) == 0 || d.closed
		if last {
			d.drawing = false
			jobs = nil
		}
		// Held until the frame is drawn, so that a draw goroutine started
		// after this one ends draws after it.
		d.drawMu.Lock()
		d.mu.Unlock()
		d.redraw(jobs, done)
		d.drawMu.Unlock()
		if last {
			return
		}
	}
}

// redraw erases the live block, prints the summaries of the jobs that
// ended (they stay) and draws the running jobs below them.
func (d *Display) redraw(jobs []*jobView, done []ended) {
	var b strings.Builder
	if d.liveLines > 0 {
		fmt.Fprintf(&b, "\r\x1b[%dA", d.liveLines) // to the block's first line
	}
	b.WriteString("\r\x1b[J") // erase it, and everything below
	width := d.width()
	for _, e := range done {
		b.WriteString(fit(summary(e.view, e.end), width))
		b.WriteString("\n")
	}
	d.liveLines = 0
	now := time.Now()
	for _, v := range jobs {
		var p exec.Progress
		if v.live != nil {
			p = v.live.Progress()
		}
		for _, line := range jobLines(v, p, now) {
			b.WriteString(fit(line, width))
			b.WriteString("\n")
			d.liveLines++
		}
	}
	io.WriteString(d.w, b.String())
}

// fit cuts line to width runes (a wrapped line would break the count of
// lines to erase); width 0 leaves it whole.
func fit(line string, width int) string {
	if width <= 0 {
		return line
	}
	r := []rune(line)
	if len(r) < width {
		return line
	}
	return string(r[:width-1])
}

var _ exec.Listener = (*Display)(nil)
