//go:build !ember_poison

package arrowmem

import "github.com/apache/arrow-go/v18/arrow/memory"

// Default is the allocator ember's sessions and jobs allocate from when
// they are given none: DefaultPool. Built with the ember_poison tag (the
// test script's race run) it is a PoisonAllocator instead, so that the
// whole suite checks that nothing reads Arrow data after releasing it —
// which, with a pool, would read another batch's bytes.
func Default() memory.Allocator { return DefaultPool }
