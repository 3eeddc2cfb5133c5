package eval

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
)

// checkedAlloc returns an allocator that fails the test if anything it
// allocated is still held when the test ends. (The shared fixtures of
// exec/internal/exectest import this package, so its own tests cannot
// use them.)
func checkedAlloc(t *testing.T) *memory.CheckedAllocator {
	t.Helper()
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	t.Cleanup(func() { mem.AssertSize(t, 0) })
	return mem
}
