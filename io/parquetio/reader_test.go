package parquetio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// countingAllocator counts the bytes allocated through it.
type countingAllocator struct {
	memory.Allocator
	total atomic.Int64
}

func (c *countingAllocator) Allocate(n int) []byte {
	c.total.Add(int64(n))
	return c.Allocator.Allocate(n)
}

func (c *countingAllocator) Reallocate(n int, b []byte) []byte {
	c.total.Add(int64(max(n-len(b), 0)))
	return c.Allocator.Reallocate(n, b)
}

// writeIDs writes one file of ids 0..n-1 (int64) and their text (string)
// in row groups of rg rows, and returns its path.
func writeIDs(t testing.TB, dir string, n, rg int) string {
	t.Helper()
	mem := checkedAllocator(t)
	schema := schemaOf(field("id", i64, false), field("s", utf8, true))
	ids := array.NewInt64Builder(mem)
	defer ids.Release()
	strs := array.NewStringBuilder(mem)
	defer strs.Release()
	for i := 0; i < n; i++ {
		ids.Append(int64(i))
		strs.Append(fmt.Sprintf("row %d", i))
	}
	idArr, strArr := ids.NewArray(), strs.NewArray()
	defer idArr.Release()
	defer strArr.Release()
	rec := array.NewRecordBatch(schema, []arrow.Array{idArr, strArr}, int64(n))
	defer rec.Release()
	path := filepath.Join(dir, fmt.Sprintf("ids-%d-%d.parquet", n, rg))
	opts := parquetio.DefaultOptions()
	opts.RowGroupRows = int64(rg)
	writeBatches(t, path, schema, opts, rec)
	return path
}

func TestLimitStopsEarly(t *testing.T) {
	path := writeIDs(t, t.TempDir(), 500_000, 500_000)
	src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	read := func(s plan.Source) (int64, []string) {
		mem := &countingAllocator{Allocator: checkedAllocator(t)}
		res := scan(t, s, plan.ScanOptions{Allocator: mem, BatchRows: 1 << 20})
		return mem.total.Load(), res.rows
	}
	all, allRows := read(src)
	some, someRows := read(src.WithLimit(3))
	if len(allRows) != 500_000 || fmt.Sprint(someRows) != "[0|row 0 1|row 1 2|row 2]" {
		t.Fatalf("read %d rows and %v", len(allRows), someRows)
	}
	t.Logf("allocated %d bytes for all rows, %d for 3", all, some)
	if some > all/4 {
		t.Fatalf("a limit of 3 rows allocated %d bytes, the whole file %d: it did not stop early", some, all)
	}
	none, noRows := read(src.WithLimit(0))
	if none != 0 || len(noRows) != 0 {
		t.Fatalf("limit 0: allocated %d bytes, read %d rows", none, len(noRows))
	}

	// Through a DataFrame, the limit reaches the scan.
	sess, _ := session(t, frame.WithParallelism(2))
	got := rows(t, sess.Read().Parquet(path).Limit(3))
	if len(got) != 3 {
		t.Fatalf("Limit(3) gave %v", got)
	}
	if m := sess.LastMetrics(); m.RowsRead > 3*int64(m.Partitions) {
		t.Fatalf("Limit(3) read %d rows in %d partitions", m.RowsRead, m.Partitions)
	}
}

func TestBatchBounds(t *testing.T) {
	mem := checkedAllocator(t)
	dir := t.TempDir()
	path := writeIDs(t, dir, 1000, 300)
	src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	count, err := src.Project(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name      string
		src       plan.Source
		opts      plan.ScanOptions
		wantBatch int64 // the largest batch allowed
	}{
		{"rows", src, plan.ScanOptions{BatchRows: 100}, 100},
		{"one row", src, plan.ScanOptions{BatchRows: 1}, 1},
		{"default", src, plan.ScanOptions{}, 1000},
		// About 20 bytes per row, so 2 KB is about 100 rows.
		{"bytes", src, plan.ScanOptions{BatchRows: 1000, BatchBytes: 2000}, 200},
		{"count", count, plan.ScanOptions{BatchRows: 64}, 64},
		{"limit", src.WithLimit(150), plan.ScanOptions{BatchRows: 100}, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Allocator = mem
			res := scan(t, tc.src, tc.opts)
			want := 1000
			if tc.name == "limit" {
				want = 150 * tc.src.Partitions()
			}
			if len(res.rows) != want {
				t.Fatalf("read %d rows, want %d", len(res.rows), want)
			}
			if res.maxRows > tc.wantBatch {
				t.Fatalf("batches of %v rows, want at most %d", res.batchRows, tc.wantBatch)
			}
			if tc.name == "bytes" && res.maxRows < 20 {
				t.Fatalf("batches of %v rows for 2 KB of about 20-byte rows", res.batchRows)
			}
		})
	}
}

func TestCancelMidRead(t *testing.T) {
	mem := checkedAllocator(t)
	path := writeIDs(t, t.TempDir(), 200_000, 50_000)
	src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := src.Open(ctx, 0, plan.ScanOptions{Allocator: mem, BatchRows: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	start := time.Now()
	if _, err := r.Next(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Next took %s to notice the cancellation", d)
	}
	// Opening with a cancelled context fails the same way.
	if _, err := src.Open(ctx, 0, plan.ScanOptions{Allocator: mem}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open after cancel = %v, want context.Canceled", err)
	}
}

func TestPrunedPartitionYieldsNothing(t *testing.T) {
	mem := checkedAllocator(t)
	path := writeIDs(t, t.TempDir(), 1000, 100)
	opts := parquetio.DefaultOptions()
	opts.MaxSplitBytes = 1 // a partition per row group
	src, err := parquetio.NewSource([]string{path}, opts)
	if err != nil {
		t.Fatal(err)
	}
	if src.Partitions() != 10 {
		t.Fatalf("%d partitions, want 10", src.Partitions())
	}
	// ids 250..349: row groups 2 and 3 only.
	cond, err := plan.NewBinary(plan.OpAnd,
		plan.NewBinary(plan.OpGe, plan.Col("id"), plan.Lit(int64(250))),
		plan.NewBinary(plan.OpLt, plan.Col("id"), plan.Lit(int64(350)))).Resolve(src.Schema())
	if err != nil {
		t.Fatal(err)
	}
	filtered := src.WithFilter(cond)
	ctx := context.Background()
	for p := 0; p < filtered.Partitions(); p++ {
		r, err := filtered.Open(ctx, p, plan.ScanOptions{Allocator: mem})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for {
			b, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			n += b.NumRows()
		}
		r.Close()
		want := int64(0)
		if p == 2 || p == 3 {
			want = 100
		}
		if n != want {
			t.Errorf("partition %d yielded %d rows, want %d", p, n, want)
		}
	}
}

// TestDictionaryStringsReadPlain writes an Arrow dictionary column (which
// pqarrow stores with the Arrow schema, and so reads back as a dictionary)
// next to a file of plain strings, and reads both as plain utf8.
func TestDictionaryStringsReadPlain(t *testing.T) {
	mem := checkedAllocator(t)
	dir := t.TempDir()
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}
	b := array.NewDictionaryBuilder(mem, dictType).(*array.BinaryDictionaryBuilder)
	defer b.Release()
	for _, s := range []string{"b", "a", "b", "", "é"} {
		if err := b.AppendString(s); err != nil {
			t.Fatal(err)
		}
	}
	b.AppendNull()
	col := b.NewArray()
	defer col.Release()
	schema := schemaOf(field("s", dictType, true))
	rec := array.NewRecordBatch(schema, []arrow.Array{col}, int64(col.Len()))
	defer rec.Release()
	writeBatches(t, filepath.Join(dir, "a.parquet"), schema, parquetio.DefaultOptions(), rec)
	writeFile(t, filepath.Join(dir, "b.parquet"), schemaOf(field("s", utf8, true)), `[{"s": "plain"}]`, parquetio.DefaultOptions())

	src, err := parquetio.NewSource([]string{dir}, parquetio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if !src.Schema().Equal(schemaOf(field("s", utf8, true))) {
		t.Fatalf("schema %s, want plain utf8", src.Schema())
	}
	res := scan(t, src, plan.ScanOptions{Allocator: mem, BatchRows: 4})
	if got := fmt.Sprint(res.rows); got != "[b a b  é (null) plain]" {
		t.Fatalf("read %s", got)
	}
}
