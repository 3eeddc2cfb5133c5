package exec

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plan"
)

// BenchmarkAggregate times a GroupBy of five aggregates over few and over
// many groups, and a Distinct of rows that are all distinct: 400k rows of
// generated input (spillSource), no memory budget.
func BenchmarkAggregate(b *testing.B) {
	for _, c := range []struct {
		name string
		keys int
		root func(plan.Node) plan.Node
	}{
		{"group-by/groups=1k", 1000, spillJobRoot("group-by")},
		{"group-by/groups=100k", 100_000, spillJobRoot("group-by")},
		{"distinct", 1 << 30, spillJobRoot("distinct")},
	} {
		b.Run(c.name, func(b *testing.B) {
			src := &spillSource{Parts: 2, Batches: 25, Rows: 8192, Keys: c.keys, Pad: 16}
			b.SetBytes(int64(src.Parts * src.Batches * src.Rows * 8 * 3))
			for range b.N {
				g, err := NewGraph(c.root(src.Scan()), Config{Allocator: memory.NewGoAllocator(), Parallelism: 2})
				if err != nil {
					b.Fatal(err)
				}
				if _, err := (Local{}).Run(context.Background(), g, discardSink{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// spillJobRoot is the plan of the spill job named name.
func spillJobRoot(name string) func(plan.Node) plan.Node {
	for _, c := range spillJobs {
		if c.name == name {
			return c.root
		}
	}
	panic(fmt.Sprintf("no spill job %q", name))
}
