package csvio

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// peakAllocator records the most bytes it had allocated at once.
type peakAllocator struct {
	memory.Allocator
	mu        sync.Mutex
	now, peak int64
}

func (a *peakAllocator) Allocate(n int) []byte {
	a.mu.Lock()
	a.now += int64(n)
	a.peak = max(a.peak, a.now)
	a.mu.Unlock()
	return a.Allocator.Allocate(n)
}

func (a *peakAllocator) Reallocate(n int, b []byte) []byte {
	a.mu.Lock()
	a.now += int64(n - len(b))
	a.peak = max(a.peak, a.now)
	a.mu.Unlock()
	return a.Allocator.Reallocate(n, b)
}

func (a *peakAllocator) Free(b []byte) {
	a.mu.Lock()
	a.now -= int64(len(b))
	a.mu.Unlock()
	a.Allocator.Free(b)
}

// TestWideFileMemoryFollowsTheData: a 3.6 MB CSV of 100,000 columns used
// to need 1.5 GB, its builders reserving a full batch of rows per column;
// the reservation now follows the rows the batch's byte bound admits.
func TestWideFileMemoryFollowsTheData(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 columns")
	}
	const cols, rows = 100_000, 18
	var b strings.Builder
	for c := range cols {
		if c > 0 {
			b.WriteByte(',')
		}
		b.WriteString("c")
		b.WriteString(strings.Repeat("x", c%3))
	}
	b.WriteByte('\n')
	for r := range rows {
		for c := range cols {
			if c > 0 {
				b.WriteByte(',')
			}
			b.WriteByte(byte('0' + (r+c)%10))
		}
		b.WriteByte('\n')
	}
	path := filepath.Join(t.TempDir(), "wide.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	checked := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer checked.AssertSize(t, 0)
	mem := &peakAllocator{Allocator: checked}
	opts := DefaultOptions()
	opts.Header, opts.InferSchema = true, true
	src, err := NewSource([]string{path}, nil, opts)
	if err != nil {
		t.Fatal(err)
	}
	r, err := src.Open(context.Background(), 0, plan.ScanOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	total := 0
	for {
		batch, err := r.Next(context.Background())
		if err != nil {
			break
		}
		total += int(batch.NumRows())
	}
	if total != rows {
		t.Fatalf("read %d rows, want %d", total, rows)
	}
	t.Logf("%d columns × %d rows (%d bytes of CSV): peak %d MiB of Arrow memory", cols, rows, b.Len(), mem.peak>>20)
	if mem.peak > 64<<20 {
		t.Fatalf("reading %d bytes of CSV peaked at %d MiB of Arrow memory", b.Len(), mem.peak>>20)
	}
}
