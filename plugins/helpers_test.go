package plugins

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
)

// testPlugin is a plugin served by this test binary in mode, with env
// for its faults; dir collects its processes' pid files.
type testPlugin struct {
	dir string
	env []string
}

func newTestPlugin(t *testing.T, mode string, env ...string) *testPlugin {
	t.Helper()
	dir := t.TempDir()
	return &testPlugin{dir: dir, env: append([]string{"EMBER_TEST_PLUGIN=" + mode, "EMBER_TEST_DIR=" + dir}, env...)}
}

// open opens the plugin; every process it started is checked to be gone
// when the test ends.
func (p *testPlugin) open(t *testing.T, opts ...Option) *Model {
	t.Helper()
	m, err := p.tryOpen(opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.requireNoProcesses(t) })
	return m
}

func (p *testPlugin) tryOpen(opts ...Option) (*Model, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	quiet := Logger(slog.New(slog.DiscardHandler))
	return Open(self, append([]Option{Args("-test.run=^$"), Env(p.env...), quiet}, opts...)...)
}

// pids are the processes started so far.
func (p *testPlugin) pids(t *testing.T) []int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(p.dir, "pid-*"))
	if err != nil {
		t.Fatal(err)
	}
	var pids []int
	for _, f := range files {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(f), "pid-"))
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// requireNoProcesses fails the test if a process the plugin started still
// exists (a zombie counts: its parent did not wait for it).
func (p *testPlugin) requireNoProcesses(t *testing.T) {
	t.Helper()
	for _, pid := range p.pids(t) {
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			t.Errorf("plugin process %d is still there (kill -0: %v)", pid, err)
		}
	}
}

// checkedSession is a session whose Arrow memory is checked for leaks when
// the test ends.
func checkedSession(t *testing.T, opts ...frame.Option) *frame.Session {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	sess := frame.NewSession(append([]frame.Option{frame.WithAllocator(mem)}, opts...)...)
	t.Cleanup(func() { sess.Close() })
	return sess
}

// numbers is a DataFrame of x = 0, 1, ..., n-1 (negated where negative
// says) in parts partitions.
func numbers(t *testing.T, sess *frame.Session, n, parts int, negative func(int) bool) *frame.DataFrame {
	t.Helper()
	var partitions [][]arrow.RecordBatch
	for p := range parts {
		b := array.NewFloat64Builder(sess.Allocator())
		for i := p * n / parts; i < (p+1)*n/parts; i++ {
			v := float64(i)
			if negative != nil && negative(i) {
				v = -v
			}
			b.Append(v)
		}
		col := b.NewArray()
		b.Release()
		rec := array.NewRecordBatch(xSchema, []arrow.Array{col}, int64(col.Len()))
		col.Release()
		partitions = append(partitions, []arrow.RecordBatch{rec})
		t.Cleanup(rec.Release)
	}
	return sess.CreateDataFrame(xSchema, partitions...)
}

// requireDoubled checks that y = 2x on every row of tbl, and that there
// are n rows.
func requireDoubled(t *testing.T, tbl arrow.Table, n int) {
	t.Helper()
	if tbl.NumRows() != int64(n) {
		t.Fatalf("%d rows, want %d", tbl.NumRows(), n)
	}
	xs, ys := floats(t, tbl, "x"), floats(t, tbl, "y")
	for i := range xs {
		if ys[i] != 2*xs[i] {
			t.Fatalf("row %d: y = %v for x = %v", i, ys[i], xs[i])
		}
	}
}

func floats(t *testing.T, tbl arrow.Table, name string) []float64 {
	t.Helper()
	idx := tbl.Schema().FieldIndices(name)
	if len(idx) == 0 {
		t.Fatalf("no column %s in %s", name, tbl.Schema())
	}
	var out []float64
	for _, c := range tbl.Column(idx[0]).Data().Chunks() {
		out = append(out, c.(*array.Float64).Float64Values()...)
	}
	return out
}

func collect(t *testing.T, df *frame.DataFrame) arrow.Table {
	t.Helper()
	tbl, err := df.Collect(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tbl.Release)
	return tbl
}

// logRecorder is a slog handler that keeps what it gets.
type logRecorder struct {
	mu      sync.Mutex
	records []string
}

func (h *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (h *logRecorder) Handle(_ context.Context, r slog.Record) error {
	var b bytes.Buffer
	b.WriteString(r.Level.String() + " " + r.Message)
	r.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	h.mu.Lock()
	h.records = append(h.records, b.String())
	h.mu.Unlock()
	return nil
}
func (h *logRecorder) WithAttrs(as []slog.Attr) slog.Handler {
	return &logChild{h, as}
}
func (h *logRecorder) WithGroup(string) slog.Handler { return h }

func (h *logRecorder) lines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.records...)
}

// logChild is a logRecorder with attributes.
type logChild struct {
	root  *logRecorder
	attrs []slog.Attr
}

func (c *logChild) Enabled(context.Context, slog.Level) bool { return true }
func (c *logChild) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(c.attrs...)
	return c.root.Handle(ctx, r)
}
func (c *logChild) WithAttrs(as []slog.Attr) slog.Handler {
	return &logChild{c.root, append(append([]slog.Attr(nil), c.attrs...), as...)}
}
func (c *logChild) WithGroup(string) slog.Handler { return c }
