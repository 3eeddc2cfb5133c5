package harness

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestMain lets the test binary act as a contender when
// HARNESS_TEST_HELPER is set (see TestExec).
func TestMain(m *testing.M) {
	switch os.Getenv("HARNESS_TEST_HELPER") {
	case "":
		os.Exit(m.Run())
	case "ok":
		fmt.Println("rows 3")
		os.Exit(0)
	case "fail":
		fmt.Fprintln(os.Stderr, "boom: cannot read input")
		os.Exit(3)
	case "fail-stdout":
		fmt.Println("only on stdout")
		os.Exit(4)
	case "hang":
		time.Sleep(time.Minute)
		os.Exit(0)
	}
}

func TestExec(t *testing.T) {
	tests := []struct {
		mode, wantErr, wantOut string
	}{
		{"ok", "", "rows 3\n"},
		{"fail", "boom: cannot read input", ""},
		{"fail-stdout", "only on stdout", "only on stdout\n"},
		{"hang", "timed out", ""},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			r, out := Exec([]string{os.Args[0]}, []string{"HARNESS_TEST_HELPER=" + tc.mode}, 2*time.Second)
			if tc.wantErr == "" {
				if r.Err != nil {
					t.Fatalf("Exec error = %v", r.Err)
				}
			} else if r.Err == nil || !strings.Contains(r.Err.Error(), tc.wantErr) {
				t.Fatalf("Exec error = %v, want one containing %q", r.Err, tc.wantErr)
			}
			if out != tc.wantOut {
				t.Errorf("stdout = %q, want %q", out, tc.wantOut)
			}
			if r.Wall <= 0 {
				t.Errorf("wall time %v, want > 0", r.Wall)
			}
		})
	}
}

func TestRoundRobin(t *testing.T) {
	a := &Contender{Name: "a"}
	b := &Contender{Name: "b"}
	skipped := &Contender{Name: "s", Skipped: "not installed"}
	broken := &Contender{Name: "x", Broken: "did not build"}
	var order []string
	RoundRobin([]*Contender{a, b, skipped, broken}, 3, 1, func(c *Contender) Result {
		order = append(order, c.Name)
		return Result{Wall: time.Duration(len(order))}
	}, Log("test"))
	// One warm-up each, then rounds with the first contender rotating.
	if want := []string{"a", "b", "a", "b", "b", "a", "a", "b"}; !slices.Equal(order, want) {
		t.Fatalf("run order %v, want %v", order, want)
	}
	if len(a.Results) != 3 || len(b.Results) != 3 || len(skipped.Results)+len(broken.Results) != 0 {
		t.Fatalf("results: a %d, b %d, skipped %d, broken %d", len(a.Results), len(b.Results), len(skipped.Results), len(broken.Results))
	}
}

func TestSummarize(t *testing.T) {
	rs := []Result{
		{Wall: 3 * time.Second, CPU: 5, RSS: 30, RSSOK: true},
		{Wall: 1 * time.Second, CPU: 1, RSS: 10, RSSOK: true},
		{Err: errors.New("failed")},
		{Wall: 2 * time.Second, CPU: 9, RSS: 50, RSSOK: true},
	}
	s := Summarize(rs)
	want := Summary{OK: 3, Total: 4, Median: 2 * time.Second, Min: time.Second, Max: 3 * time.Second, MedianCPU: 5, MedianRSS: 30, RSSOK: true}
	if s != want {
		t.Fatalf("Summarize = %+v, want %+v", s, want)
	}
	if s.Complete() {
		t.Error("Complete with a failed run")
	}
	if s := Summarize([]Result{{Err: errors.New("failed")}}); s.OK != 0 || s.RSSOK {
		t.Errorf("all failed: %+v", s)
	}
}

func TestMedian(t *testing.T) {
	if got := Median([]int64{5, 1, 3}); got != 3 {
		t.Errorf("median odd = %d, want 3", got)
	}
	if got := Median([]time.Duration{4, 1, 3, 2}); got != 2 {
		t.Errorf("median even = %d, want 2 (mean of 2 and 3, truncated)", got)
	}
}

func TestParseFlags(t *testing.T) {
	names := []string{"a", "b", "c"}
	cfg, err := ParseFlags("test", []string{"-only", "c,a,c", "-runs", "3"}, names, Config{Rows: 10, Procs: 2}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cfg.Only, []string{"a", "c"}) || cfg.Runs != 3 || cfg.Rows != 10 || cfg.Procs != 2 {
		t.Fatalf("config %+v", cfg)
	}
	var extra int
	cfg, err = ParseFlags("test", []string{"-extra", "7"}, names, Config{Rows: 10}, func(fs *flag.FlagSet) { fs.IntVar(&extra, "extra", 0, "") })
	if err != nil || extra != 7 || !slices.Equal(cfg.Only, names) {
		t.Fatalf("extra flag: %v, %d, %v", err, extra, cfg.Only)
	}
	for _, args := range [][]string{{"-only", "d"}, {"-runs", "0"}, {"-rows", "0"}, {"stray"}} {
		if _, err := ParseFlags("test", args, names, Config{Rows: 10}, nil); err == nil {
			t.Errorf("ParseFlags(%q) succeeded", args)
		}
	}
}

func TestWriteRatios(t *testing.T) {
	sums := map[string]Summary{
		"a": {OK: 2, Total: 2, Median: time.Second, MedianRSS: 100, RSSOK: true},
		"b": {OK: 2, Total: 2, Median: 4 * time.Second, MedianRSS: 50, RSSOK: true},
		"c": {OK: 1, Total: 2, Median: time.Second},
	}
	var out strings.Builder
	WriteRatios(&out, "ratios:", []Pair{{Num: "a", Den: "b", Target: 0.5}, {Num: "b", Den: "a", Target: 1.5}, {Num: "a", Den: "c"}, {Num: "a", Den: "missing"}}, sums)
	got := out.String()
	for _, want := range []string{"a ÷ b  wall 0.25x  peak RSS 2.00x  target wall ≤ 0.50x: met", "b ÷ a  wall 4.00x  peak RSS 0.50x  target wall ≤ 1.50x: NOT met", "a ÷ c  n/a"} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "missing") {
		t.Errorf("a pair with a contender that did not run is printed:\n%s", got)
	}
}
