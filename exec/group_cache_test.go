package exec

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// TestGroupCachePacksInjectively: rows pack to the same key exactly when
// their values are equal, for every packable type and for layouts that
// spill into the second word.
func TestGroupCachePacksInjectively(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rng := rand.New(rand.NewPCG(3, 4))
	const rows = 500
	strs := []string{"", "a", "a\x00", "ab", "b", "1234567", "R", "F"}
	build := func(t arrow.DataType) arrow.Array {
		b := array.NewBuilder(mem, t)
		defer b.Release()
		for range rows {
			v := rng.IntN(4) - 1
			switch b := b.(type) {
			case *array.Int64Builder:
				b.Append(int64(v) << 40)
			case *array.Int32Builder:
				b.Append(int32(v))
			case *array.Date32Builder:
				b.Append(arrow.Date32(v))
			case *array.Int8Builder:
				b.Append(int8(v))
			case *array.BooleanBuilder:
				b.Append(v > 0)
			case *array.StringBuilder:
				b.Append(strs[rng.IntN(len(strs))])
			}
		}
		return b.NewArray()
	}
	layouts := [][]arrow.DataType{
		{arrow.BinaryTypes.String, arrow.BinaryTypes.String},                                    // Q1
		{arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Date32, arrow.PrimitiveTypes.Int32},  // Q3
		{arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64, arrow.FixedWidthTypes.Boolean}, // straddles into word 1
		{arrow.PrimitiveTypes.Int8, arrow.BinaryTypes.String, arrow.FixedWidthTypes.Boolean},
	}
	for _, types := range layouts {
		t.Run(fmt.Sprint(types), func(t *testing.T) {
			c := newGroupCache(types)
			if c == nil {
				t.Fatal("no cache for packable types")
			}
			cols := make([]arrow.Array, len(types))
			for i, ty := range types {
				cols[i] = build(ty)
				defer cols[i].Release()
			}
			packed := c.pack(cols, rows)
			if packed == nil {
				t.Fatal("the batch did not pack")
			}
			text := func(row int) string {
				var parts []string
				for _, col := range cols {
					parts = append(parts, fmt.Sprintf("%q", col.ValueStr(row)))
				}
				return strings.Join(parts, ",")
			}
			for i := range rows {
				for j := range rows {
					if (packed[i] == packed[j]) != (text(i) == text(j)) {
						t.Fatalf("rows %d (%s) and %d (%s): packed equal = %v", i, text(i), j, text(j), packed[i] == packed[j])
					}
				}
			}
		})
	}
	if newGroupCache([]arrow.DataType{arrow.PrimitiveTypes.Float64}) != nil {
		t.Error("float keys packed (-0 and NaN do not compare by bits)")
	}
	if newGroupCache([]arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Int8}) != nil {
		t.Error("17 bytes of keys packed into 16")
	}
}

// TestGroupCacheDeclines: batches with NULLs or long strings take the
// index alone; a cache whose lookups mostly miss turns itself off; reset
// forgets groups.
func TestGroupCacheDeclines(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	c := newGroupCache([]arrow.DataType{arrow.BinaryTypes.String})
	sb := array.NewStringBuilder(mem)
	defer sb.Release()
	sb.AppendValues([]string{"short", "a string of more than 7 bytes"}, nil)
	long := sb.NewArray()
	defer long.Release()
	if c.pack([]arrow.Array{long}, 2) != nil {
		t.Error("a string of 29 bytes packed")
	}
	sb.AppendValues([]string{"x", ""}, []bool{true, false})
	nulls := sb.NewArray()
	defer nulls.Release()
	if c.pack([]arrow.Array{nulls}, 2) != nil {
		t.Error("a NULL packed")
	}

	c.put([2]uint64{1, 2}, 7)
	if g, ok := c.get([2]uint64{1, 2}); !ok || g != 7 {
		t.Errorf("get = %d, %v; want 7, true", g, ok)
	}
	c.reset()
	if _, ok := c.get([2]uint64{1, 2}); ok {
		t.Error("a group survived reset")
	}
	sb.AppendValues([]string{"x"}, nil)
	one := sb.NewArray()
	defer one.Release()
	for i := range groupCacheTrial {
		c.get([2]uint64{uint64(i), 99}) // all misses
	}
	if c.pack([]arrow.Array{one}, 1) != nil || !c.off {
		t.Error("a cache missing every lookup stayed on")
	}
}

// TestAggregateThroughGroupCache: grouped aggregates give the groups a
// plain count gives, whichever way each batch takes — packed and cached
// (short strings and integers), or through the index alone (a batch with
// a NULL key, a batch with a long string) — and however the batches
// interleave, with a memory budget small enough to flush and spill the
// tables (so the cache is reset under them).
func TestAggregateThroughGroupCache(t *testing.T) {
	s := arrow.NewSchema([]arrow.Field{
		{Name: "flag", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "n", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "v", Type: arrow.PrimitiveTypes.Float64},
	}, nil)
	rng := rand.New(rand.NewPCG(5, 6))
	flags := []string{"A", "F", "N", "R", "a\x00", "ab"}
	type key struct {
		flag string
		n    string
	}
	want := map[key][2]float64{}
	var parts [][]string
	for range 2 {
		var batches []string
		for b := range 12 {
			var rows []string
			for range 300 {
				flag, n := flags[rng.IntN(len(flags))], fmt.Sprint(rng.IntN(5))
				switch {
				case b%4 == 1 && rng.IntN(50) == 0:
					flag = "NULL"
				case b%4 == 3 && rng.IntN(50) == 0:
					flag = "a flag longer than seven bytes"
				}
				text := "null"
				if flag != "NULL" {
					quoted, _ := json.Marshal(flag)
					text = string(quoted)
				}
				v := float64(rng.IntN(100))
				rows = append(rows, fmt.Sprintf(`{"flag": %s, "n": %s, "v": %v}`, text, n, v))
				k := key{flag, n}
				w := want[k]
				want[k] = [2]float64{w[0] + 1, w[1] + v}
			}
			batches = append(batches, "["+strings.Join(rows, ",")+"]")
		}
		parts = append(parts, batches)
	}
	var wantRows []string
	for k, w := range want {
		wantRows = append(wantRows, fmt.Sprintf("%s|%s|%d|%.1f", k.flag, k.n, int(w[0]), w[1]))
	}
	slices.Sort(wantRows)
	for _, budget := range []int64{0, 64 << 10} {
		t.Run(fmt.Sprint("budget=", budget), func(t *testing.T) {
			mem := exectest.CheckedAlloc(t)
			root := exectest.Must(plan.NewAggregate(memScan(t, mem, s, parts...), []plan.Expr{plan.Col("flag"), plan.Col("n")},
				[]plan.AggExpr{{Func: plan.AggCount}, {Func: plan.AggSum, Arg: plan.Col("v")}}))
			sink := exectest.NewCollectSink()
			cfg := Config{Allocator: mem, Parallelism: 2, BatchRows: 100, MemoryBudget: budget, SpillDir: t.TempDir()}
			if _, err := (Local{Config: cfg}).RunPlan(context.Background(), root, sink); err != nil {
				var p *plan.PanicError
				if errors.As(err, &p) {
					t.Fatalf("%v\n%s", err, p.Stack)
				}
				t.Fatal(err)
			}
			got := sink.All()
			slices.Sort(got)
			if !slices.Equal(got, wantRows) {
				t.Fatalf("got %d groups, want %d:\n%v\nwant\n%v", len(got), len(wantRows), got, wantRows)
			}
		})
	}
}
