package fuzzwatch

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestMain(m *testing.M) { Main(m) }

// hangEnv makes FuzzHang hang; the fuzzing run TestWatchSavesHang starts
// sets it.
const hangEnv = "FUZZWATCH_TEST_HANG"

// FuzzHang loops forever on an input longer than three bytes when
// hangEnv is set, and does nothing otherwise.
func FuzzHang(f *testing.F) {
	f.Add([]byte("ab"))
	f.Fuzz(func(t *testing.T, data []byte) {
		defer Watch(t, data, uint8(7))()
		if os.Getenv(hangEnv) == "" || len(data) <= 3 {
			return
		}
		for n := 0; ; n++ { // an infinite loop, as a bad input causes
			data[0] = byte(n)
		}
	})
}

// TestWatchSavesHang fuzzes FuzzHang in a child process until an input
// hangs: the run must fail with the watchdog's report, every goroutine's
// stack, and the input saved both where Watch names and by the fuzzer in
// testdata/fuzz.
func TestWatchSavesHang(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a fuzzing run")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$", "-test.fuzz=^FuzzHang$", "-test.fuzztime=2m",
		"-test.parallel=1", "-test.fuzzcachedir="+filepath.Join(dir, "cache"))
	cmd.Dir = dir // the fuzzer writes the failing input under ./testdata
	cmd.Env = append(os.Environ(), hangEnv+"=1", LimitEnv+"=200ms", "TMPDIR="+dir)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the fuzzing run passed:\n%s", out)
	}
	report := string(out)
	if !strings.Contains(report, "fuzzing process hung or terminated unexpectedly") {
		t.Fatalf("the run failed otherwise:\n%s", report)
	}
	saved, _ := filepath.Glob(filepath.Join(dir, "hang-FuzzHang*.stacks"))
	if len(saved) == 0 {
		t.Fatalf("no report saved in %s:\n%s", dir, report)
	}
	stacks, err := os.ReadFile(saved[0])
	if err != nil {
		t.Fatal(err)
	}
	input := strings.TrimSuffix(saved[0], ".stacks")
	for _, want := range []string{"fuzzwatch: FuzzHang", "still running after 200ms", "saved in " + input, "goroutine ", "fuzzwatch_test.go"} {
		if !strings.Contains(string(stacks), want) {
			t.Fatalf("the report lacks %q:\n%s", want, stacks)
		}
	}
	data, err := os.ReadFile(input)
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(string(data), "\n"); len(lines) != 4 || lines[0] != "go test fuzz v1" ||
		!strings.HasPrefix(lines[1], "[]byte(") || lines[2] != "uint8(7)" {
		t.Fatalf("saved input is not a corpus entry:\n%s", data)
	}
	if found, _ := filepath.Glob(filepath.Join(dir, "testdata", "fuzz", "FuzzHang", "*")); len(found) == 0 {
		t.Fatalf("the fuzzer kept no failing input:\n%s", report)
	}
}

func TestCorpusEntry(t *testing.T) {
	got := corpusEntry([]any{[]byte("a\x00\"b"), "s\n", uint8(3), int64(-2), true})
	want := "go test fuzz v1\n[]byte(\"a\\x00\\\"b\")\nstring(\"s\\n\")\nuint8(3)\nint64(-2)\nbool(true)\n"
	if got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestWatchIdleOutsideFuzzing(t *testing.T) {
	t.Setenv(LimitEnv, "not a duration") // read only when armed
	Watch(t, []byte("x"))()
}
