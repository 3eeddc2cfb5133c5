// Package fuzzwatch keeps a fuzzing run from stalling in silence.
//
// Go's fuzzer has no limit on the time one input may take: an input that
// loops forever stops the run with no report, the exec count just stops
// growing. Watch arms a watchdog per input that saves the input and
// crashes the fuzzing worker with every goroutine's stack, which the
// fuzzer then records as a failing input like any other.
//
// A count that stops growing is more often the minimizer: the fuzzer
// spends up to -fuzzminimizetime (60s by default) shrinking every input
// that widens coverage, counting none of those runs until it is done, and
// with one worker nothing else runs meanwhile. For readers of large files
// that took nearly all the time. Main lowers that default.
package fuzzwatch

import (
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"testing"
	"time"
)

// DefaultLimit is how long one input may run before it counts as a hang:
// far above what any sound input takes (milliseconds), so that a slow,
// shared machine does not trip it.
const DefaultLimit = 20 * time.Second

// LimitEnv names the environment variable that overrides DefaultLimit
// with a Go duration ("5s").
const LimitEnv = "EMBER_FUZZ_INPUT_LIMIT"

// DefaultMinimizeTime is the -fuzzminimizetime that Main sets when the
// command line gives none.
const DefaultMinimizeTime = "5s"

// Main parses the flags, sets -test.fuzzminimizetime to
// DefaultMinimizeTime unless the command line set it, and runs the
// tests. Call it from a fuzzing package's TestMain:
//
//	func TestMain(m *testing.M) { fuzzwatch.Main(m) }
//
// (a TestMain that returns exits with m.Run's code).
func Main(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.fuzzminimizetime" })
	if !set {
		if err := flag.Set("test.fuzzminimizetime", DefaultMinimizeTime); err != nil {
			panic("fuzzwatch: " + err.Error())
		}
	}
	m.Run()
}

// Watch arms the watchdog for one input and returns the function that
// disarms it; a fuzz body starts with
//
//	defer fuzzwatch.Watch(t, data, flags)()
//
// passing the fuzz arguments. While the test binary is fuzzing (-fuzz
// set), an input still running after the limit is written in the fuzz
// corpus format (ready for testdata/fuzz/<Target>/) to a new file
// hang-<test name>-* in os.TempDir(), the stacks of all goroutines to the
// same name with ".stacks" added, and the worker panics. The fuzzer
// reports "fuzzing process hung or terminated unexpectedly" and keeps the
// input in testdata/fuzz; the worker's own output, the panic with it, is
// discarded by go test, hence the files. Outside fuzzing, when go
// test replays the seeds, Watch does nothing: -timeout covers hangs there.
// Armed, it costs one timer and a copy of the arguments per input.
func Watch(t testing.TB, args ...any) (disarm func()) {
	if !fuzzing() {
		return func() {}
	}
	limit := DefaultLimit
	if s := os.Getenv(LimitEnv); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil || d <= 0 {
			t.Fatalf("fuzzwatch: %s=%q is not a positive duration", LimitEnv, s)
		}
		limit = d
	}
	name := t.Name()
	saved := make([]any, len(args))
	for i, a := range args {
		if b, ok := a.([]byte); ok {
			a = append([]byte(nil), b...) // the body may write into its input
		}
		saved[i] = a
	}
	timer := time.AfterFunc(limit, func() { panic(hangReport(name, limit, saved)) })
	return func() { timer.Stop() }
}

// hangReport saves the input, and the report with every goroutine's
// stack beside it (a fuzzing worker's own output goes nowhere), and
// returns the report.
func hangReport(name string, limit time.Duration, args []any) string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	where := "(not saved)"
	f, err := os.CreateTemp("", "hang-"+sanitize(name)+"-*")
	if err == nil {
		_, werr := f.WriteString(corpusEntry(args))
		if cerr := f.Close(); werr == nil && cerr == nil {
			where = f.Name()
		}
	}
	report := fmt.Sprintf("fuzzwatch: %s: an input still running after %v, saved in %s\n\n%s", name, limit, where, buf)
	if err == nil {
		_ = os.WriteFile(f.Name()+".stacks", []byte(report), 0o644) // best effort: the panic carries it too
	}
	return report
}

// corpusEntry writes fuzz arguments in the format of go test's corpus
// files ("go test fuzz v1", then one typed literal a line).
func corpusEntry(args []any) string {
	var b strings.Builder
	b.WriteString("go test fuzz v1\n")
	for _, a := range args {
		switch v := a.(type) {
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		default:
			fmt.Fprintf(&b, "%T(%v)\n", v, v)
		}
	}
	return b.String()
}

func fuzzing() bool {
	f := flag.Lookup("test.fuzz")
	return f != nil && f.Value.String() != ""
}

func sanitize(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, name)
}
