package plan

import (
	"context"
	"errors"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

var memSchema = arrow.NewSchema([]arrow.Field{
	{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
	{Name: "b", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "c", Type: arrow.PrimitiveTypes.Float64, Nullable: true},
}, nil)

func batchFromJSON(t *testing.T, mem memory.Allocator, s *arrow.Schema, rows string) arrow.RecordBatch {
	t.Helper()
	b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// newTestMemorySource has two partitions: 10 rows in one batch, then
// batches of 3 and 2 rows. It drops its own references to the batches.
func newTestMemorySource(t *testing.T, mem memory.Allocator) *MemorySource {
	t.Helper()
	var rows []string
	for i := range 15 {
		rows = append(rows, `{"a": `+strconv.Itoa(i)+`, "b": "r`+strconv.Itoa(i)+`", "c": `+strconv.Itoa(i)+`.5}`)
	}
	big := batchFromJSON(t, mem, memSchema, "["+strings.Join(rows[:10], ",")+"]")
	three := batchFromJSON(t, mem, memSchema, "["+strings.Join(rows[10:13], ",")+"]")
	two := batchFromJSON(t, mem, memSchema, "["+strings.Join(rows[13:], ",")+"]")
	defer big.Release()
	defer three.Release()
	defer two.Release()
	src, err := NewMemorySource(memSchema, [][]arrow.RecordBatch{{big}, {three, two}})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

// readPartition reads partition p of src, returning the batch sizes and
// the rows rendered as "v1|v2".
func readPartition(t *testing.T, src Source, p, batchRows int) ([]int64, []string) {
	t.Helper()
	ctx := context.Background()
	r, err := src.Open(ctx, p, ScanOptions{BatchRows: batchRows})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	var sizes []int64
	var rows []string
	for {
		b, err := r.Next(ctx)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if !b.Schema().Equal(src.Schema()) {
			t.Fatalf("batch schema %s, source schema %s", b.Schema(), src.Schema())
		}
		sizes = append(sizes, b.NumRows())
		for i := 0; i < int(b.NumRows()); i++ {
			cells := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				cells[c] = col.ValueStr(i)
			}
			rows = append(rows, strings.Join(cells, "|"))
		}
	}
	// EOF is sticky.
	if _, err := r.Next(ctx); !errors.Is(err, io.EOF) {
		t.Fatalf("Next after EOF: %v", err)
	}
	return sizes, rows
}

func TestMemorySourceRead(t *testing.T) {
	project := func(cols ...string) func(*testing.T, *MemorySource) Source {
		return func(t *testing.T, m *MemorySource) Source {
			s, err := m.Project(cols)
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
	}
	cases := []struct {
		name      string
		narrow    func(*testing.T, *MemorySource) Source
		part      int
		batchRows int
		wantSizes []int64
		wantFirst string // first row
		wantRows  int
	}{
		{name: "whole", part: 0, wantSizes: []int64{10}, wantFirst: "0|r0|0.5", wantRows: 10},
		{name: "sliced", part: 0, batchRows: 3, wantSizes: []int64{3, 3, 3, 1}, wantFirst: "0|r0|0.5", wantRows: 10},
		{name: "batch-rows-1", part: 1, batchRows: 1, wantSizes: []int64{1, 1, 1, 1, 1}, wantFirst: "10|r10|10.5", wantRows: 5},
		{name: "batches-smaller-than-bound", part: 1, batchRows: 4, wantSizes: []int64{3, 2}, wantFirst: "10|r10|10.5", wantRows: 5},
		{name: "limit", part: 0, batchRows: 3,
			narrow:    func(_ *testing.T, m *MemorySource) Source { return m.WithLimit(5) },
			wantSizes: []int64{3, 2}, wantFirst: "0|r0|0.5", wantRows: 5},
		{name: "limit-across-batches", part: 1,
			narrow:    func(_ *testing.T, m *MemorySource) Source { return m.WithLimit(4) },
			wantSizes: []int64{3, 1}, wantFirst: "10|r10|10.5", wantRows: 4},
		{name: "limit-above-size", part: 1,
			narrow:    func(_ *testing.T, m *MemorySource) Source { return m.WithLimit(100) },
			wantSizes: []int64{3, 2}, wantFirst: "10|r10|10.5", wantRows: 5},
		{name: "project-in-source-order", part: 0, batchRows: 4, narrow: project("c", "a"),
			wantSizes: []int64{4, 4, 2}, wantFirst: "0|0.5", wantRows: 10},
		{name: "project-then-limit", part: 0, batchRows: 4,
			narrow: func(t *testing.T, m *MemorySource) Source {
				return project("b")(t, m).(LimitingSource).WithLimit(6)
			},
			wantSizes: []int64{4, 2}, wantFirst: "r0", wantRows: 6},
		{name: "project-twice", part: 1, narrow: func(t *testing.T, m *MemorySource) Source {
			return project("b")(t, project("a", "b")(t, m).(*MemorySource))
		}, wantSizes: []int64{3, 2}, wantFirst: "r10", wantRows: 5},
		// A count needs rows, not columns: a projection to no columns
		// keeps the row counts.
		{name: "project-nothing", part: 0, batchRows: 7, narrow: project(),
			wantSizes: []int64{7, 3}, wantFirst: "", wantRows: 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			m := newTestMemorySource(t, mem)
			defer m.Release()
			var src Source = m
			if c.narrow != nil {
				src = c.narrow(t, m)
			}
			sizes, rows := readPartition(t, src, c.part, c.batchRows)
			if !slices.Equal(sizes, c.wantSizes) {
				t.Errorf("batch sizes %v, want %v", sizes, c.wantSizes)
			}
			if len(rows) != c.wantRows || rows[0] != c.wantFirst {
				t.Errorf("got %d rows starting %q, want %d starting %q", len(rows), rows[0], c.wantRows, c.wantFirst)
			}
		})
	}
}

func TestMemorySourceSchemaAndString(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	m := newTestMemorySource(t, mem)
	defer m.Release()
	if m.Partitions() != 2 || m.String() != "memory [a, b, c], 2 partitions" {
		t.Fatalf("%s with %d partitions", m, m.Partitions())
	}
	p, err := m.Project([]string{"c", "a"})
	if err != nil {
		t.Fatal(err)
	}
	want := arrow.NewSchema([]arrow.Field{memSchema.Field(0), memSchema.Field(2)}, nil)
	if !p.Schema().Equal(want) {
		t.Fatalf("projected schema %s, want %s", p.Schema(), want)
	}
	if got := p.(LimitingSource).WithLimit(3).String(); got != "memory [a, c], 2 partitions, limit 3" {
		t.Fatalf("String() = %q", got)
	}
	// Narrowing returns copies: the original is unchanged.
	if !m.Schema().Equal(memSchema) || m.String() != "memory [a, b, c], 2 partitions" {
		t.Fatalf("Project changed its receiver: %s", m)
	}
	if _, err := m.Project([]string{"a", "zz"}); err == nil {
		t.Error("projecting a missing column succeeded")
	}
	if _, err := p.(ProjectingSource).Project([]string{"b"}); err == nil {
		t.Error("projecting a column already projected away succeeded")
	}
}

func TestMemorySourceErrors(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	other := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int32}}, nil)
	b := batchFromJSON(t, mem, other, `[{"a": 1}]`)
	defer b.Release()
	if _, err := NewMemorySource(memSchema, [][]arrow.RecordBatch{nil, {b}}); err == nil || !strings.Contains(err.Error(), "partition 1") {
		t.Fatalf("mismatched schema: %v", err)
	}
	// No partitions at all still gives one, empty.
	empty, err := NewMemorySource(memSchema, nil)
	if err != nil {
		t.Fatal(err)
	}
	if empty.Partitions() != 1 {
		t.Fatalf("%d partitions", empty.Partitions())
	}
	if sizes, _ := readPartition(t, empty, 0, 0); len(sizes) != 0 {
		t.Fatalf("empty source gave batches %v", sizes)
	}
}

func TestMemorySourceCancelAndClose(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	m := newTestMemorySource(t, mem)
	defer m.Release()
	ctx, cancel := context.WithCancel(context.Background())
	r, err := m.Open(ctx, 0, ScanOptions{BatchRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel: %v", err)
	}
	// Close releases the batch handed out last; it is idempotent.
	r2, _ := m.Open(context.Background(), 1, ScanOptions{})
	if _, err := r2.Next(context.Background()); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := r2.Close(); err != nil {
			t.Fatal(err)
		}
	}
	r.Close()
}
