package plugins

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync"
)

// tailLines is how many of a plugin's last stderr lines a start error
// quotes.
const tailLines = 8

// lineLogger logs what a plugin writes, one record per line: a JSON line
// from a structured logger (slog's or hclog's JSON) keeps its level,
// message and attributes; any other line is logged at Info.
type lineLogger struct {
	log    *slog.Logger
	stream string

	mu      sync.Mutex
	partial []byte
	last    []string
}

func newLineLogger(l *slog.Logger, stream string) *lineLogger {
	return &lineLogger{log: l, stream: stream}
}

func (w *lineLogger) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(bytes.TrimRight(w.partial[:i], "\r")))
		w.partial = w.partial[i+1:]
	}
	// A line longer than this is logged in pieces.
	if len(w.partial) >= 64<<10 {
		w.line(string(w.partial))
		w.partial = nil
	}
	return len(p), nil
}

func (w *lineLogger) line(s string) {
	if strings.TrimSpace(s) == "" {
		return
	}
	w.last = append(w.last, s)
	if len(w.last) > tailLines {
		w.last = w.last[1:]
	}
	level, msg, attrs, ok := parseStructured(s)
	if !ok {
		w.log.Info(s, "stream", w.stream)
		return
	}
	w.log.LogAttrs(context.Background(), level, msg, attrs...)
}

// tail returns the last lines written.
func (w *lineLogger) tail() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.last...)
}

// parseStructured reads a JSON log line of slog ("level", "msg") or
// hclog ("@level", "@message"); its time is dropped, the host's logger
// stamps its own.
func parseStructured(s string) (slog.Level, string, []slog.Attr, bool) {
	if !strings.HasPrefix(s, "{") {
		return 0, "", nil, false
	}
	var fields map[string]any
	if err := json.Unmarshal([]byte(s), &fields); err != nil {
		return 0, "", nil, false
	}
	levelName, _ := first(fields, "level", "@level").(string)
	msg, _ := first(fields, "msg", "@message").(string)
	if levelName == "" && msg == "" {
		return 0, "", nil, false
	}
	var attrs []slog.Attr
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		switch k {
		case "level", "@level", "msg", "@message", "time", "@timestamp", "@module", "@caller":
		default:
			attrs = append(attrs, slog.Any(k, fields[k]))
		}
	}
	return parseLevel(levelName), msg, attrs, true
}

func first(fields map[string]any, keys ...string) any {
	for _, k := range keys {
		if v, ok := fields[k]; ok {
			return v
		}
	}
	return nil
}

func parseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "trace", "debug":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error", "fatal", "panic":
		return slog.LevelError
	}
	var l slog.Level
	if l.UnmarshalText([]byte(s)) == nil {
		return l
	}
	return slog.LevelInfo
}
