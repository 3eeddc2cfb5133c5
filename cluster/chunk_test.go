package cluster

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
)

// TestChunksKeepTheShuffleOrder writes batches of three tasks into two
// partitions of an exchange through taskShuffle, in chunks of a few bytes
// (so that each task's output spans several), delivers the chunks to the
// reading side in a random order, as a GroupByKey may, and checks that
// Read returns every batch ordered by writing task, then by the order the
// task wrote them — for several chunk bounds, with no Arrow memory left.
func TestChunksKeepTheShuffleOrder(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "v", Type: arrow.PrimitiveTypes.Int64}}, nil)
	x := &exec.Exchange{ID: 2, Partitions: 2, Schema: schema}
	for _, limit := range []int64{1, 300, 1 << 20} {
		t.Run(fmt.Sprint(limit), func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			ctx := context.Background()
			var chunks []chunk
			want := map[int][]string{}
			for from := range 3 {
				sh := newTaskShuffle(mem, nil, limit, func(c chunk) { chunks = append(chunks, c) })
				for i := range 5 {
					to := (from + i) % 2
					vals := fmt.Sprintf("[%d, %d]", from*100+i, from*100+i+50)
					b := batchOf(t, mem, schema, vals)
					if err := sh.Write(ctx, x, from, to, b); err != nil {
						t.Fatal(err)
					}
					b.Release()
					want[to] = append(want[to], vals)
				}
				if err := sh.flush(); err != nil {
					t.Fatal(err)
				}
			}
			rand.New(rand.NewPCG(1, uint64(limit))).Shuffle(len(chunks), func(i, j int) { chunks[i], chunks[j] = chunks[j], chunks[i] })
			chunks = append(chunks, chunk{Exchange: 1, To: 0, From: 0, Data: nil}) // another exchange's: never read here
			in := newTaskShuffle(mem, chunks, limit, nil)
			for to := range 2 {
				r, err := in.Read(ctx, x, to)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for {
					b, err := r.Next(ctx)
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatal(err)
					}
					vals := b.Column(0).(*array.Int64).Int64Values()
					got = append(got, fmt.Sprintf("[%d, %d]", vals[0], vals[1]))
				}
				r.Close()
				if !slices.Equal(got, want[to]) {
					t.Fatalf("partition %d: got %s, want %s", to, strings.Join(got, " "), strings.Join(want[to], " "))
				}
			}
		})
	}
}

func batchOf(t *testing.T, mem memory.Allocator, schema *arrow.Schema, vals string) arrow.RecordBatch {
	t.Helper()
	b, _, err := array.RecordFromJSON(mem, schema, strings.NewReader(`[{"v": `+strings.ReplaceAll(strings.Trim(vals, "[]"), ", ", `}, {"v": `)+`}]`))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
