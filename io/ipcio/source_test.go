package ipcio_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

var (
	tInt32  = arrow.PrimitiveTypes.Int32
	tInt64  = arrow.PrimitiveTypes.Int64
	tString = arrow.BinaryTypes.String
	tF64    = arrow.PrimitiveTypes.Float64
)

// numbered builds batches of rows each, with an int64 column i (counting
// from start) and a string column s.
func numbered(mem memory.Allocator, start, batches, rows int) []arrow.RecordBatch {
	s := schema("i", tInt64, "s", tString)
	var out []arrow.RecordBatch
	for b := range batches {
		ib := array.NewInt64Builder(mem)
		sb := array.NewStringBuilder(mem)
		for r := range rows {
			n := start + b*rows + r
			ib.Append(int64(n))
			if n%7 == 0 {
				sb.AppendNull()
			} else {
				sb.Append(fmt.Sprintf("row %d", n))
			}
		}
		i, str := ib.NewArray(), sb.NewArray()
		out = append(out, array.NewRecordBatch(s, []arrow.Array{i, str}, int64(rows)))
		i.Release()
		str.Release()
		ib.Release()
		sb.Release()
	}
	return out
}

func release(bs []arrow.RecordBatch) {
	for _, b := range bs {
		b.Release()
	}
}

// numberedFile writes numbered batches to dir/name with o and returns the
// path and the rows written.
func numberedFile(t testing.TB, dir, name string, o ipcio.Options, start, batches, rows int) (string, []string) {
	t.Helper()
	mem := memory.NewGoAllocator()
	bs := numbered(mem, start, batches, rows)
	defer release(bs)
	return writeFile(t, dir, name, encode(t, o, bs[0].Schema(), bs...)), rowsOf(bs...)
}

func mustSource(t testing.TB, paths []string, o ipcio.Options) *ipcio.Source {
	t.Helper()
	src, err := ipcio.NewSource(paths, o)
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func TestParseOptions(t *testing.T) {
	o, err := ipcio.ParseOptions(map[string]string{"Format": "STREAM", "compression": "ZSTD"})
	if err != nil || o.Layout != ipcio.LayoutStream || o.Compression != ipcio.Zstd || o.Partitions != 1 {
		t.Fatalf("%+v, %v", o, err)
	}
	if o, err := ipcio.ParseOptions(nil); err != nil || o.Layout != ipcio.LayoutFile || o.Compression != ipcio.Uncompressed {
		t.Fatalf("defaults %+v, %v", o, err)
	}
	for _, kv := range []map[string]string{{"header": "true"}, {"format": "csv"}, {"compression": "snappy"}} {
		if _, err := ipcio.ParseOptions(kv); err == nil || !strings.HasPrefix(err.Error(), "ipcio: ") {
			t.Errorf("%v: error %v", kv, err)
		}
	}
	if _, err := ipcio.NewSource([]string{"x"}, ipcio.Options{Layout: "feather"}); err == nil {
		t.Error("NewSource took a bad layout")
	}
}

func TestProject(t *testing.T) {
	mem := checkedAllocator(t)
	b := fromJSON(t, mem, allTypes, allTypesRows)
	defer b.Release()
	path := writeFile(t, t.TempDir(), "all.arrow", encode(t, ipcio.DefaultOptions(), allTypes, b))
	src := mustSource(t, []string{path}, ipcio.DefaultOptions())
	p, err := src.Project([]string{"st", "s", "i8", "s"})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(p.Schema()); !slices.Equal(got, []string{"i8", "s", "st"}) {
		t.Fatalf("schema %v", got)
	}
	var want []string
	for i := range b.NumRows() {
		want = append(want, strings.Join([]string{formatCell(b.Column(1), int(i)), formatCell(b.Column(12), int(i)), formatCell(b.Column(21), int(i))}, "|"))
	}
	if d := diffRows(mustScan(t, p, plan.ScanOptions{}).rows, want); d != "" {
		t.Fatal(d)
	}
	none, err := src.Project(nil)
	if err != nil || none.Schema().NumFields() != 0 {
		t.Fatalf("empty projection: %v, %v", none, err)
	}
	if res := mustScan(t, none, plan.ScanOptions{}); len(res.rows) != 3 {
		t.Fatalf("empty projection read %d rows, want 3", len(res.rows))
	}
	_, err = src.Project([]string{"i8", "nope"})
	errorHas(t, err, "nope")
	if _, err := p.(plan.ProjectingSource).Project([]string{"i16"}); err == nil {
		t.Fatal("projected a column pruned before")
	}
	if src.Schema().NumFields() != allTypes.NumFields() {
		t.Fatal("Project changed the source")
	}
}

func TestLimitAndBatchSizes(t *testing.T) {
	dir := t.TempDir()
	path, all := numberedFile(t, dir, "n.arrow", ipcio.DefaultOptions(), 0, 4, 10)
	src := mustSource(t, []string{path}, ipcio.DefaultOptions())
	cases := []struct {
		name    string
		limit   int64
		so      plan.ScanOptions
		batches []int
	}{
		{name: "whole batches", limit: -1, batches: []int{10, 10, 10, 10}},
		{name: "rows", limit: -1, so: plan.ScanOptions{BatchRows: 4}, batches: []int{4, 4, 2, 4, 4, 2, 4, 4, 2, 4, 4, 2}},
		{name: "limit", limit: 13, so: plan.ScanOptions{BatchRows: 4}, batches: []int{4, 4, 2, 3}},
		{name: "limit in a batch", limit: 5, batches: []int{5}},
		{name: "limit 0", limit: 0, batches: nil},
		{name: "limit past the end", limit: 100, batches: []int{10, 10, 10, 10}},
		// Rows of an int64, a string of 5 or 6 bytes and their offsets
		// and validity bits: 16 bytes a row in the first batch, 17 in the
		// others.
		{name: "bytes", limit: -1, so: plan.ScanOptions{BatchBytes: 50}, batches: []int{3, 3, 3, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2}},
		{name: "bytes below a row", limit: 2, so: plan.ScanOptions{BatchBytes: 1}, batches: []int{1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := mustScan(t, src.WithLimit(c.limit), c.so)
			if !slices.Equal(res.batches, c.batches) {
				t.Fatalf("batches %v, want %v", res.batches, c.batches)
			}
			n := len(res.rows)
			if d := diffRows(res.rows, all[:n]); d != "" {
				t.Fatal(d)
			}
		})
	}
}

// TestSplitOneFile reads one IPC file of many batches as several
// partitions: the same rows, in the same order, read concurrently.
func TestSplitOneFile(t *testing.T) {
	dir := t.TempDir()
	path, want := numberedFile(t, dir, "big.arrow", ipcio.DefaultOptions(), 0, 100, 300)
	for _, n := range []int{1, 2, 8, 100, 1000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			o := ipcio.DefaultOptions()
			o.Partitions = n
			src := mustSource(t, []string{path}, o)
			if got, want := src.Partitions(), min(n, 100); got != want {
				t.Fatalf("%d partitions, want %d", got, want)
			}
			res := mustScan(t, src, plan.ScanOptions{BatchRows: 128})
			if d := diffRows(res.rows, want); d != "" {
				t.Fatal(d)
			}
			// Balanced by bytes: rows differ a little in size.
			even := 100 * 300 / src.Partitions()
			for p, rows := range res.parts {
				if len(rows) < even*9/10 || len(rows) > even*11/10 {
					t.Errorf("partition %d of %d has %d rows", p, src.Partitions(), len(rows))
				}
			}
			// The partitions read concurrently give the same rows.
			mem := checkedAllocator(t)
			parts := make([][]string, src.Partitions())
			errs := make([]error, src.Partitions())
			var wg sync.WaitGroup
			for p := range parts {
				wg.Go(func() {
					parts[p], _, errs[p] = scanPartition(src, p, plan.ScanOptions{Allocator: mem, BatchRows: 100})
				})
			}
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			if d := diffRows(slices.Concat(parts...), want); d != "" {
				t.Fatal(d)
			}
			// A limit applies to each partition.
			res = mustScan(t, src.WithLimit(3), plan.ScanOptions{})
			if len(res.rows) != 3*src.Partitions() {
				t.Fatalf("limit 3 read %d rows from %d partitions", len(res.rows), src.Partitions())
			}
		})
	}
}

// TestSplitFiles plans partitions by bytes over several files: a stream
// is one partition, a big IPC file several, a small one one.
func TestSplitFiles(t *testing.T) {
	dir := t.TempDir()
	_, big := numberedFile(t, dir, "a.arrow", ipcio.DefaultOptions(), 0, 60, 100)
	_, small := numberedFile(t, dir, "b.arrow", ipcio.DefaultOptions(), 6000, 2, 100)
	_, stream := numberedFile(t, dir, "c.arrows", options(ipcio.LayoutStream, ""), 6200, 30, 100)
	o := options(ipcio.LayoutAuto, "")
	o.Partitions = 4
	src := mustSource(t, []string{dir}, o)
	// The total is about 92 batches: the big file is 60 of them, two
	// thirds of 4 partitions.
	if got := src.Partitions(); got != 3+1+1 {
		t.Fatalf("%d partitions, want 5", got)
	}
	res := mustScan(t, src, plan.ScanOptions{})
	if d := diffRows(res.rows, slices.Concat(big, small, stream)); d != "" {
		t.Fatal(d)
	}
}

func TestDirectory(t *testing.T) {
	dir := t.TempDir()
	_, r0 := numberedFile(t, dir, "part-00000.arrow", ipcio.DefaultOptions(), 0, 1, 3)
	_, r1 := numberedFile(t, dir, "part-00001.arrow", ipcio.DefaultOptions(), 3, 2, 3)
	_, r2 := numberedFile(t, dir, "sub/part-00002.arrow", ipcio.DefaultOptions(), 9, 1, 3)
	writeFile(t, dir, "_SUCCESS", nil)
	writeFile(t, dir, "_temporary/0/part-00003.arrow", []byte("half-written"))
	writeFile(t, dir, ".part-00000.arrow.crc", []byte("crc"))
	writeFile(t, dir, "_metadata", []byte("not arrow"))
	src := mustSource(t, []string{dir}, ipcio.DefaultOptions())
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).rows, slices.Concat(r0, r1, r2)); d != "" {
		t.Fatal(d)
	}
	// Globs work too.
	src = mustSource(t, []string{filepath.Join(dir, "part-*.arrow")}, ipcio.DefaultOptions())
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).rows, slices.Concat(r0, r1)); d != "" {
		t.Fatal(d)
	}
}

func TestString(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		numberedFile(t, dir, fmt.Sprintf("p%d.arrow", i), ipcio.DefaultOptions(), 0, 1, 1)
	}
	src := mustSource(t, []string{dir}, ipcio.DefaultOptions())
	if got, want := src.String(), "arrow [p0.arrow, p1.arrow, p2.arrow, … 5 files] columns=[i, s]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	p, _ := src.Project([]string{"s"})
	if got, want := p.(plan.LimitingSource).WithLimit(3).String(), "arrow [p0.arrow, p1.arrow, p2.arrow, … 5 files] columns=[s] (pruned from 2) limit=3"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestDictionaryStrings reads dictionary-encoded strings, at the top and
// inside a struct, as plain strings: from a file (one dictionary, with a
// delta) and a stream (a new dictionary for each batch).
func TestDictionaryStrings(t *testing.T) {
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int16, ValueType: tString}
	stored := schema("tag", dictType, "st", arrow.StructOf(arrow.Field{Name: "code", Type: dictType, Nullable: true}))
	plain := schema("tag", tString, "st", arrow.StructOf(arrow.Field{Name: "code", Type: tString, Nullable: true}))
	mem := checkedAllocator(t)
	build := func(values ...string) arrow.RecordBatch {
		b := array.NewRecordBuilder(mem, stored)
		defer b.Release()
		tag := b.Field(0).(*array.BinaryDictionaryBuilder)
		st := b.Field(1).(*array.StructBuilder)
		code := st.FieldBuilder(0).(*array.BinaryDictionaryBuilder)
		for _, v := range values {
			st.Append(true)
			if v == "" {
				tag.AppendNull()
				code.AppendNull()
				continue
			}
			if err := tag.AppendString(v); err != nil {
				t.Fatal(err)
			}
			if err := code.AppendString(strings.ToUpper(v)); err != nil {
				t.Fatal(err)
			}
		}
		return b.NewRecordBatch()
	}
	// An IPC file holds one dictionary per column: its batches share it.
	all := build("cat", "dog", "", "cat", "dog", "dog", "cat")
	defer all.Release()
	f1, f2 := all.NewSlice(0, 4), all.NewSlice(4, 7)
	defer f1.Release()
	defer f2.Release()
	// A stream may replace it with every batch.
	s1, s2 := build("cat", "dog", "", "cat"), build("dog", "dog", "cat")
	defer s1.Release()
	defer s2.Release()
	batches := map[ipcio.Layout][]arrow.RecordBatch{ipcio.LayoutFile: {f1, f2}, ipcio.LayoutStream: {s1, s2}}
	want := []string{`"cat"|{"CAT"}`, `"dog"|{"DOG"}`, `NULL|{NULL}`, `"cat"|{"CAT"}`, `"dog"|{"DOG"}`, `"dog"|{"DOG"}`, `"cat"|{"CAT"}`}
	for _, l := range layouts {
		t.Run(string(l), func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "dict", encode(t, options(l, ipcio.Zstd), stored, batches[l]...))
			src := mustSource(t, []string{path}, options(ipcio.LayoutAuto, ""))
			if !src.Schema().Equal(plain) {
				t.Fatalf("schema %s, want %s", src.Schema(), plain)
			}
			res := mustScan(t, src, plan.ScanOptions{BatchRows: 3})
			if d := diffRows(res.rows, want); d != "" {
				t.Fatal(d)
			}
			p, _ := src.Project([]string{"st"})
			if res := mustScan(t, p, plan.ScanOptions{}); len(res.rows) != 7 || res.rows[1] != `{"DOG"}` {
				t.Fatalf("projected: %q", res.rows)
			}
		})
	}
}

// TestMergeSchemas reads files whose schemas differ but fit together.
func TestMergeSchemas(t *testing.T) {
	mem := checkedAllocator(t)
	dir := t.TempDir()
	sa := arrow.NewSchema([]arrow.Field{{Name: "a", Type: tInt32}, {Name: "b", Type: tString, Nullable: true}}, nil)
	a := fromJSON(t, mem, sa, `[{"a": 1, "b": "x"}, {"a": 2147483647, "b": null}]`)
	defer a.Release()
	// b has its columns in another order, a wider a, and an extra
	// nullable c.
	sb := schema("b", tString, "c", tF64, "a", tInt64)
	b := fromJSON(t, mem, sb, `[{"a": 9223372036854775807, "b": "y", "c": 1.5}, {"a": null, "b": "z", "c": null}]`)
	defer b.Release()
	writeFile(t, dir, "1.arrow", encode(t, ipcio.DefaultOptions(), sa, a))
	writeFile(t, dir, "2.arrows", encode(t, options(ipcio.LayoutStream, ipcio.LZ4), sb, b))
	src := mustSource(t, []string{dir}, options(ipcio.LayoutAuto, ""))
	want := arrow.NewSchema([]arrow.Field{{Name: "a", Type: tInt64, Nullable: true}, {Name: "b", Type: tString, Nullable: true}, {Name: "c", Type: tF64, Nullable: true}}, nil)
	if !src.Schema().Equal(want) {
		t.Fatalf("schema %s, want %s", src.Schema(), want)
	}
	rows := []string{`1|"x"|NULL`, `2147483647|NULL|NULL`, `9223372036854775807|"y"|1.5`, `NULL|"z"|NULL`}
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).rows, rows); d != "" {
		t.Fatal(d)
	}
	p, _ := src.Project([]string{"c"})
	if d := diffRows(mustScan(t, p, plan.ScanOptions{}).rows, []string{"NULL", "NULL", "1.5", "NULL"}); d != "" {
		t.Fatal(d)
	}
}

func TestMergeErrors(t *testing.T) {
	mem := checkedAllocator(t)
	write := func(dir, name string, s *arrow.Schema, rows string) {
		b := fromJSON(t, mem, s, rows)
		defer b.Release()
		writeFile(t, dir, name, encode(t, ipcio.DefaultOptions(), s, b))
	}
	notNull := func(name string, typ arrow.DataType) arrow.Field { return arrow.Field{Name: name, Type: typ} }
	cases := []struct {
		name      string
		s1, s2    *arrow.Schema
		r1, r2    string
		mentioned []string
	}{
		{name: "types", s1: schema("a", tInt64, "b", tString), s2: schema("a", tString), r1: `[{"a": 1}]`, r2: `[{"a": "1"}]`,
			mentioned: []string{"1.arrow", "2.arrow", `"a"`, "int64", "utf8"}},
		{name: "narrowing ints of another sign", s1: schema("a", tInt64), s2: schema("a", arrow.PrimitiveTypes.Uint32), r1: `[{"a": 1}]`, r2: `[{"a": 1}]`,
			mentioned: []string{"1.arrow", "2.arrow", `"a"`}},
		{name: "timezones", s1: schema("t", &arrow.TimestampType{Unit: arrow.Second, TimeZone: "UTC"}), s2: schema("t", &arrow.TimestampType{Unit: arrow.Second}), r1: `[{"t": 1}]`, r2: `[{"t": 1}]`,
			mentioned: []string{"1.arrow", "2.arrow", `"t"`}},
		{name: "extra column not nullable", s1: schema("a", tInt64), s2: arrow.NewSchema([]arrow.Field{notNull("a", tInt64), notNull("z", tInt64)}, nil), r1: `[{"a": 1}]`, r2: `[{"a": 1, "z": 2}]`,
			mentioned: []string{"1.arrow", "2.arrow", `"z"`, "not nullable"}},
		{name: "missing column not nullable", s1: arrow.NewSchema([]arrow.Field{notNull("a", tInt64), notNull("z", tInt64)}, nil), s2: schema("a", tInt64), r1: `[{"a": 1, "z": 2}]`, r2: `[{"a": 1}]`,
			mentioned: []string{"1.arrow", "2.arrow", `"z"`, "not nullable"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write(dir, "1.arrow", c.s1, c.r1)
			write(dir, "2.arrow", c.s2, c.r2)
			_, err := ipcio.NewSource([]string{dir}, ipcio.DefaultOptions())
			errorHas(t, err, c.mentioned...)
			t.Log(err)
		})
	}
}

// TestDuplicateColumnNames reads files whose columns repeat names, which
// Arrow allows and ember's plans, selecting columns by name, cannot hold:
// a repeated name gets the column's index appended (then underscores
// until it is unique), as csvio names repeated header names, in every
// file alike, so that files merge and projections pick the right column.
func TestDuplicateColumnNames(t *testing.T) {
	mem := checkedAllocator(t)
	dup := schema("a", tInt64, "a", tString, "a0", tInt64, "b", tInt64, "b", tInt64)
	b := columns(t, mem, dup, `[1, 2]`, `["x", "y"]`, `[3, 4]`, `[5, 6]`, `[7, null]`)
	defer b.Release()
	dir := t.TempDir()
	for _, name := range []string{"1.arrow", "2.arrow"} {
		writeFile(t, dir, name, encode(t, ipcio.DefaultOptions(), dup, b))
	}
	src, err := ipcio.NewSource([]string{dir}, ipcio.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	wantNames := []string{"a0_", "a1", "a0", "b3", "b4"}
	if got := names(src.Schema()); !slices.Equal(got, wantNames) {
		t.Fatalf("names %q, want %q", got, wantNames)
	}
	want := rowsOf(b)
	if d := diffRows(mustScan(t, src, plan.ScanOptions{}).rows, append(want, want...)); d != "" {
		t.Fatal(d)
	}
	p, err := src.Project([]string{"b4", "a1"})
	if err != nil {
		t.Fatal(err)
	}
	if d := diffRows(mustScan(t, p, plan.ScanOptions{}).rows, []string{`"x"|7`, `"y"|NULL`, `"x"|7`, `"y"|NULL`}); d != "" {
		t.Fatal(d)
	}
}

// TestBadInput checks that unreadable, truncated and foreign files give
// errors naming the file, and that a truncated stream fails when read.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	_, _ = numberedFile(t, dir, "good.arrow", ipcio.DefaultOptions(), 0, 3, 50)
	_, _ = numberedFile(t, dir, "good.arrows", options(ipcio.LayoutStream, ""), 0, 3, 50)
	good, err := os.ReadFile(filepath.Join(dir, "good.arrow"))
	if err != nil {
		t.Fatal(err)
	}
	stream, err := os.ReadFile(filepath.Join(dir, "good.arrows"))
	if err != nil {
		t.Fatal(err)
	}
	badMagic := slices.Clone(good)
	badMagic[0] = 'X'
	badFooter := slices.Clone(good)
	binary.LittleEndian.PutUint32(badFooter[len(badFooter)-10:], 1<<30) // the footer's length
	cases := []struct {
		name      string
		content   []byte
		layout    ipcio.Layout
		mentioned []string
	}{
		{name: "empty", content: nil, mentioned: []string{"empty file"}},
		{name: "half", content: good[:len(good)/2], mentioned: []string{"truncated"}},
		{name: "last byte", content: good[:len(good)-1], mentioned: []string{"truncated"}},
		{name: "magic only", content: good[:6], mentioned: []string{"truncated"}},
		{name: "bad magic", content: badMagic, mentioned: []string{"not an Arrow IPC file"}},
		{name: "bad footer", content: badFooter, mentioned: []string{"footer"}},
		{name: "csv", content: []byte("a,b\n1,2\n"), mentioned: []string{"not an Arrow IPC file"}},
		{name: "csv auto", content: []byte("a,b\n1,2\n"), layout: ipcio.LayoutAuto, mentioned: []string{"neither"}},
		{name: "stream as file", content: stream, mentioned: []string{"format=stream"}},
		{name: "file as stream", content: good, layout: ipcio.LayoutStream, mentioned: []string{"format=file"}},
		{name: "stream cut in its schema", content: stream[:20], layout: ipcio.LayoutStream, mentioned: []string{"truncated Arrow IPC stream"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := writeFile(t, t.TempDir(), "bad-"+strings.ReplaceAll(c.name, " ", "-"), c.content)
			_, err := ipcio.NewSource([]string{path}, options(c.layout, ""))
			errorHas(t, err, append(c.mentioned, path)...)
			t.Log(err)
		})
	}
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(dir, "nope.arrow")
		_, err := ipcio.NewSource([]string{path}, ipcio.DefaultOptions())
		errorHas(t, err, path)
	})
	t.Run("unreadable", func(t *testing.T) {
		path := writeFile(t, t.TempDir(), "locked.arrow", good)
		if err := os.Chmod(path, 0); err != nil {
			t.Fatal(err)
		}
		if f, err := os.Open(path); err == nil {
			f.Close()
			t.Skip("running as a user who reads any file")
		}
		_, err := ipcio.NewSource([]string{path}, ipcio.DefaultOptions())
		errorHas(t, err, path, "permission denied")
	})
	// A stream cut in its last batch reads its first batches, then fails.
	t.Run("truncated stream", func(t *testing.T) {
		path := writeFile(t, t.TempDir(), "cut.arrows", stream[:len(stream)-100])
		src := mustSource(t, []string{path}, options(ipcio.LayoutStream, ""))
		res, err := scan(t, src, plan.ScanOptions{})
		errorHas(t, err, path, "record batch 2")
		if len(res.rows) != 100 {
			t.Fatalf("read %d rows before the error, want 100", len(res.rows))
		}
	})
}

// TestFileChanged checks that a file changed between planning and reading
// is an error, not a misread.
func TestFileChanged(t *testing.T) {
	dir := t.TempDir()
	path, _ := numberedFile(t, dir, "a.arrow", ipcio.DefaultOptions(), 0, 3, 10)
	src := mustSource(t, []string{path}, ipcio.DefaultOptions())
	numberedFile(t, dir, "a.arrow", ipcio.DefaultOptions(), 0, 4, 10)
	_, err := scan(t, src, plan.ScanOptions{})
	errorHas(t, err, path, "changed")
	os.Remove(path)
	_, err = scan(t, src, plan.ScanOptions{})
	errorHas(t, err, path)
}

func TestCancel(t *testing.T) {
	dir := t.TempDir()
	path, _ := numberedFile(t, dir, "a.arrow", ipcio.DefaultOptions(), 0, 3, 10)
	src := mustSource(t, []string{path}, ipcio.DefaultOptions())
	mem := checkedAllocator(t)
	cctx, cancel := context.WithCancel(ctx)
	r, err := src.Open(cctx, 0, plan.ScanOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := r.Next(cctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := r.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := src.Open(ctx, 1, plan.ScanOptions{}); err == nil {
		t.Fatal("opened partition 1 of 1")
	}
}

// TestCorruptCompressedLength checks that a compressed buffer claiming a
// huge uncompressed length is an error, not an out-of-memory crash.
func TestCorruptCompressedLength(t *testing.T) {
	mem := checkedAllocator(t)
	bs := numbered(mem, 0, 1, 1000)
	defer release(bs)
	for _, l := range layouts {
		t.Run(string(l), func(t *testing.T) {
			data := encode(t, options(l, ipcio.Zstd), bs[0].Schema(), bs...)
			frame := bytes.Index(data, []byte{0x28, 0xB5, 0x2F, 0xFD}) // zstd's magic
			if frame < 8 {
				t.Fatal("no zstd frame")
			}
			binary.LittleEndian.PutUint64(data[frame-8:], 1<<50)
			path := writeFile(t, t.TempDir(), "huge", data)
			src := mustSource(t, []string{path}, options(l, ""))
			_, err := scan(t, src, plan.ScanOptions{})
			errorHas(t, err, path, "record batch 0", "over the limit")
			t.Log(err)
		})
	}
}
