package exec

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// partitionsNode is a physical node that only knows its partition count.
type partitionsNode int

func (n partitionsNode) Schema() *arrow.Schema          { return exectest.IntSchema }
func (n partitionsNode) Partitions() int                { return int(n) }
func (n partitionsNode) Children() []PhysicalNode       { return nil }
func (n partitionsNode) String() string                 { return "partitions" }
func (n partitionsNode) Operator(int) (Operator, error) { panic("not run") }

func TestCoalesceBounds(t *testing.T) {
	cases := []struct {
		in, n int
		want  []int
	}{
		{10, 3, []int{0, 3, 6, 10}},
		{10, 1, []int{0, 10}},
		{4, 4, []int{0, 1, 2, 3, 4}},
		{3, 2, []int{0, 1, 3}},
		{7, 3, []int{0, 2, 4, 7}},
		{2, 5, []int{0, 1, 2}}, // never more outputs than inputs
		{5, 0, []int{0, 5}},    // at least one output
		{0, 3, []int{0, 0}},    // no input partitions: one empty output
	}
	for _, c := range cases {
		got := newCoalesceExec(partitionsNode(c.in), c.n)
		if !slices.Equal(got.bounds, c.want) {
			t.Errorf("coalesce %d into %d: bounds %v, want %v", c.in, c.n, got.bounds, c.want)
		}
		if got.Partitions() != len(c.want)-1 {
			t.Errorf("coalesce %d into %d: %d partitions", c.in, c.n, got.Partitions())
		}
	}
}

func TestCoalesceRun(t *testing.T) {
	for _, batchRows := range []int{1, 2, 0} {
		mem := exectest.CheckedAlloc(t)
		src := &exectest.ScriptSource{Parts: 5, Batches: 2, Rows: 2}
		sink, err := run(t, context.Background(), mem, batchRows, &plan.Coalesce{Input: src.Scan(), N: 2})
		if err != nil {
			t.Fatal(err)
		}
		// Output 0 reads inputs 0-1 and output 1 inputs 2-4, in order.
		if got := strings.Join(sink.Rows[0], ","); got != "0,1,2,3,1000,1001,1002,1003" {
			t.Errorf("partition 0: %s", got)
		}
		if got := len(sink.Rows[1]); got != 12 || sink.Rows[1][0] != "2000" || sink.Rows[1][11] != "4003" {
			t.Errorf("partition 1: %v", sink.Rows[1])
		}
	}
}

// TestLimit: a limit takes rows from partition 0 first and opens no more
// partitions than it needs.
func TestLimit(t *testing.T) {
	cases := []struct {
		n          int64
		batchRows  int
		want       string
		wantOpened int32
	}{
		{0, 0, "", 0},
		{1, 0, "0", 1},
		{3, 2, "0,1,2", 1},
		{7, 0, "0,1,2,3,4,5,1000", 2},
		{7, 1, "0,1,2,3,4,5,1000", 2},
		{13, 4, "0,1,2,3,4,5,1000,1001,1002,1003,1004,1005,2000", 3},
		{100, 3, "", 3}, // everything
	}
	for _, c := range cases {
		mem := exectest.CheckedAlloc(t)
		src := &exectest.ScriptSource{Parts: 3, Batches: 2, Rows: 3}
		sink, err := run(t, context.Background(), mem, c.batchRows, &plan.Limit{Input: src.Scan(), N: c.n})
		if err != nil {
			t.Fatal(err)
		}
		got := strings.Join(sink.All(), ",")
		if c.want == "" && c.n > 0 {
			if len(sink.All()) != 18 {
				t.Errorf("limit %d: %d rows", c.n, len(sink.All()))
			}
		} else if got != c.want {
			t.Errorf("limit %d, batch rows %d: %q, want %q", c.n, c.batchRows, got, c.want)
		}
		if src.Opened.Load() != c.wantOpened || src.Closed.Load() != c.wantOpened {
			t.Errorf("limit %d: opened %d partitions, closed %d, want %d", c.n, src.Opened.Load(), src.Closed.Load(), c.wantOpened)
		}
		if len(sink.Rows) > 1 {
			t.Errorf("limit %d produced %d partitions", c.n, len(sink.Rows))
		}
	}
}
