//go:build ember_poison

package arrowmem

import "github.com/apache/arrow-go/v18/arrow/memory"

// Default is a PoisonAllocator in a build with the ember_poison tag: see
// default.go.
func Default() memory.Allocator { return poisonDefault }

var poisonDefault = NewPoisonAllocator()
