package exec

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

func rowsJSON(lo, hi int) string {
	var rows []string
	for i := lo; i < hi; i++ {
		rows = append(rows, fmt.Sprintf(`{"v": %d}`, i))
	}
	return "[" + strings.Join(rows, ",") + "]"
}

func TestRepartitionRoundRobin(t *testing.T) {
	cases := []struct {
		name   string
		inputs [][]string // JSON batches per input partition
		n      int
		want   []int // rows per output partition
	}{
		{"one-batch-over-ten", [][]string{{rowsJSON(0, 10)}}, 10, []int{1, 1, 1, 1, 1, 1, 1, 1, 1, 1}},
		{"batches-continue-the-cycle", [][]string{{rowsJSON(0, 3), rowsJSON(3, 5), rowsJSON(5, 9)}}, 3, []int{3, 3, 3}},
		// Each input partition starts at its own output, so one row per
		// input partition still spreads.
		{"small-inputs-spread", [][]string{{rowsJSON(0, 1)}, {rowsJSON(1, 2)}, {rowsJSON(2, 3)}}, 3, []int{1, 1, 1}},
		{"fewer-rows-than-partitions", [][]string{{rowsJSON(0, 2)}}, 5, []int{1, 1, 0, 0, 0}},
		{"one-output", [][]string{{rowsJSON(0, 4)}, {rowsJSON(4, 6)}}, 1, []int{6}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			root := exectest.Must(plan.NewRepartition(memScan(t, mem, exectest.IntSchema, c.inputs...), c.n))
			sink, err := run(t, context.Background(), mem, 0, root)
			if err != nil {
				t.Fatal(err)
			}
			got := make([]int, c.n)
			for p := range c.n {
				got[p] = len(sink.Rows[p])
				if !sink.Finished[p] {
					t.Errorf("partition %d not done", p)
				}
			}
			if !slices.Equal(got, c.want) {
				t.Fatalf("rows per partition %v, want %v", got, c.want)
			}
		})
	}
}

// TestRepartitionHashPlacement pins where hash partitioning puts keys:
// another process (another runner, another release) must agree.
func TestRepartitionHashPlacement(t *testing.T) {
	for _, batchRows := range []int{1, 3, 0} {
		mem := exectest.CheckedAlloc(t)
		s := arrow.NewSchema([]arrow.Field{
			{Name: "v", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
			{Name: "k", Type: arrow.BinaryTypes.String, Nullable: true},
		}, nil)
		in := memScan(t, mem, s,
			[]string{`[{"v": 0, "k": "a"}, {"v": 1, "k": "b"}, {"v": 2, "k": null}, {"v": 3, "k": ""}]`},
			[]string{`[{"v": 4, "k": "a"}, {"v": 5, "k": "b"}, {"v": 6, "k": null}, {"v": 7, "k": "c"}]`})
		for _, c := range []struct {
			key  string
			want map[string]int // value → partition
		}{
			{"v", map[string]int{"0": 3, "1": 1, "2": 0, "3": 2, "4": 2, "5": 3, "6": 0, "7": 0}},
			{"k", map[string]int{"a": 1, "b": 0, "NULL": 3, "": 2, "c": 0}},
		} {
			sink, err := run(t, context.Background(), mem, batchRows, exectest.Must(plan.NewRepartition(in, 4, plan.Col(c.key))))
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]int{}
			for p, rows := range sink.Rows {
				for _, r := range rows {
					v, k, _ := strings.Cut(r, "|")
					key := v
					if c.key == "k" {
						key = k
					}
					if q, seen := got[key]; seen && q != p {
						t.Errorf("key %s in partitions %d and %d", key, q, p)
					}
					got[key] = p
				}
			}
			for key, p := range c.want {
				if got[key] != p {
					t.Errorf("batch rows %d: key %s=%q in partition %d, want %d", batchRows, c.key, key, got[key], p)
				}
			}
		}
	}
}
