package eventlog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ember-df/ember/exec"
)

// Files lists the event log files of dir, oldest first (their names sort
// by the time they were opened).
func Files(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("eventlog: %w", err)
	}
	var files []string
	for _, e := range entries {
		if name := e.Name(); !e.IsDir() && strings.HasPrefix(name, FilePrefix) && strings.HasSuffix(name, FileSuffix) {
			files = append(files, filepath.Join(dir, name))
		}
	}
	sort.Strings(files)
	return files, nil
}

// ReadFile reads the events of one log file, in the order they were
// written. A last line without its newline that does not parse is what a
// killed process left mid-write: it is dropped, not an error. Any other
// line that does not parse is an error naming the file and line.
func ReadFile(path string) ([]exec.Event, error) {
	var events []exec.Event
	_, err := replayFileMax(path, 0, exec.ListenerFunc(func(e exec.Event) { events = append(events, e) }))
	return events, err
}

// ReplayFile hands the events of one log file to l, in order, as ReadFile
// reads them. The events' Live is nil.
func ReplayFile(path string, l exec.Listener) error {
	_, err := replayFileMax(path, 0, l)
	return err
}

// Replay hands the events of every log file of dir to l, oldest file
// first. Job numbers count per session, so each file after the first has
// its jobs renumbered after the highest job number of the files before:
// every job of the directory keeps a distinct number, increasing with
// time. The events' Live is nil. It stops at the first error.
func Replay(dir string, l exec.Listener) error {
	files, err := Files(dir)
	if err != nil {
		return err
	}
	var offset int64
	for _, f := range files {
		highest, err := replayFileMax(f, offset, l)
		if err != nil {
			return err
		}
		offset = max(offset, highest)
	}
	return nil
}

// replayFileMax replays path with offset added to every job number, and
// returns the highest job number it handed out.
func replayFileMax(path string, offset int64, l exec.Listener) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("eventlog: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 64<<10)
	highest := offset
	for n := 1; ; n++ {
		line, err := r.ReadBytes('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return highest, fmt.Errorf("eventlog: %s: %w", path, err)
		}
		complete := err == nil
		if len(bytes.TrimSpace(line)) > 0 {
			var e exec.Event
			if uerr := json.Unmarshal(line, &e); uerr != nil {
				if !complete {
					return highest, nil // the truncated last line of a killed writer
				}
				return highest, fmt.Errorf("eventlog: %s line %d: %w", path, n, uerr)
			}
			if e.Job != 0 {
				e.Job += offset
				highest = max(highest, e.Job)
			}
			l.OnEvent(e)
		}
		if !complete {
			return highest, nil
		}
	}
}
