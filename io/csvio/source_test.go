package csvio_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

func TestProject(t *testing.T) {
	src := mustSource(t, "a,b,c\n1,x,1.5\n2,\"y\nz\",\n", nil, options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true }))
	cases := []struct {
		columns []string
		names   []string
		rows    []string
		err     bool
	}{
		{columns: []string{"b"}, names: []string{"b"}, rows: []string{`"x"`, `"y\nz"`}},
		{columns: []string{"c", "a"}, names: []string{"a", "c"}, rows: []string{`1,1.5`, `2,NULL`}},
		{columns: []string{"a", "a"}, names: []string{"a"}, rows: []string{`1`, `2`}},
		{columns: []string{"a", "b", "c"}, names: []string{"a", "b", "c"}, rows: []string{`1,"x",1.5`, `2,"y\nz",NULL`}},
		{columns: []string{}, names: []string{}, rows: []string{``, ``}},
		{columns: []string{"a", "nope"}, err: true},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.columns, ","), func(t *testing.T) {
			p, err := src.Project(c.columns)
			if c.err {
				if err == nil || !strings.HasPrefix(err.Error(), "csvio: ") {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(names(p.Schema()), c.names) {
				t.Fatalf("schema %v, want %v", names(p.Schema()), c.names)
			}
			res := mustScan(t, p, plan.ScanOptions{})
			if d := diffRows(res.Rows, c.rows); d != "" {
				t.Fatal(d)
			}
		})
	}
	// Projecting a projection narrows it further; the original is unchanged.
	p, _ := src.Project([]string{"a", "c"})
	pp, err := p.(plan.ProjectingSource).Project([]string{"c"})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(names(pp.Schema()), []string{"c"}) || src.Schema().NumFields() != 3 {
		t.Fatalf("schemas %v, %v", pp.Schema(), src.Schema())
	}
	if _, err := p.(plan.ProjectingSource).Project([]string{"b"}); err == nil {
		t.Fatal("projected a column pruned before")
	}
}

func TestString(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		writeFile(t, dir, fmt.Sprintf("p%d.csv", i), "a,b\n1,2\n")
	}
	src, err := csvio.NewSource([]string{dir}, nil, options(func(o *csvio.Options) { o.Header = true }))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := src.String(), "csv [p0.csv, p1.csv, p2.csv, … 5 files] columns=[a, b]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	p, _ := src.Project([]string{"b"})
	l := p.(plan.LimitingSource).WithLimit(3)
	if got, want := l.String(), "csv [p0.csv, p1.csv, p2.csv, … 5 files] columns=[b] (pruned from 2) limit=3"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// partitionRows reads each partition of src on its own.
func partitionRows(t *testing.T, src plan.Source) [][]string {
	t.Helper()
	out := make([][]string, src.Partitions())
	mem := checkedAllocator(t)
	for p := range out {
		r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem, BatchRows: 2})
		if err != nil {
			t.Fatal(err)
		}
		for {
			b, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out[p] = append(out[p], formatRows(b)...)
		}
		r.Close()
	}
	return out
}

func TestWithLimit(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("a\n")
	for i := range 50 {
		fmt.Fprintf(&sb, "%d\n", i)
	}
	content := sb.String()
	for _, size := range []int64{0, 1, 7, 30} {
		o := options(func(o *csvio.Options) { o.Header, o.InferSchema = true, true })
		if size > 0 {
			o = tinySplits(o, size)
		}
		src := mustSource(t, content, nil, o)
		all := partitionRows(t, src)
		for _, n := range []int64{-1, 0, 1, 2, 3, 5, 100} {
			limited := partitionRows(t, src.WithLimit(n))
			for p := range all {
				want := all[p]
				if n >= 0 && int64(len(want)) > n {
					want = want[:n]
				}
				if d := diffRows(limited[p], want); d != "" {
					t.Fatalf("split %d, limit %d, partition %d: %s", size, n, p, d)
				}
			}
		}
	}
}

// TestLimitStopsReading checks that a split stops reading once its limit
// is reached: the malformed record after the limit is never parsed.
func TestLimitStopsReading(t *testing.T) {
	content := "1\n2\n3\nbad\n5\n"
	for _, batchRows := range []int{1, 2, 3, 100} {
		for _, mode := range []csvio.Mode{csvio.FailFast, csvio.DropMalformed} {
			src := mustSource(t, content, schema("a", tInt64), options(func(o *csvio.Options) { o.Mode = mode }))
			res, err := scan(t, src.WithLimit(3), plan.ScanOptions{BatchRows: batchRows})
			if err != nil {
				t.Fatalf("batch %d, %s: %v", batchRows, mode, err)
			}
			if d := diffRows(res.Rows, []string{"1", "2", "3"}); d != "" {
				t.Fatalf("batch %d, %s: %s", batchRows, mode, d)
			}
			if _, err := scan(t, src.WithLimit(4), plan.ScanOptions{BatchRows: batchRows}); mode == csvio.FailFast && !errors.Is(err, csvio.ErrMalformed) {
				t.Fatalf("batch %d: limit 4 read no malformed record: %v", batchRows, err)
			}
		}
	}
	// Dropped records do not count towards the limit.
	src := mustSource(t, content, schema("a", tInt64), options(func(o *csvio.Options) { o.Mode = csvio.DropMalformed }))
	res := mustScan(t, src.WithLimit(4), plan.ScanOptions{BatchRows: 2})
	if d := diffRows(res.Rows, []string{"1", "2", "3", "5"}); d != "" {
		t.Fatal(d)
	}
}

func TestBatchBounds(t *testing.T) {
	var sb strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&sb, "%d,%d\n", i%10, i%10) // 4 bytes a record
	}
	src := mustSource(t, sb.String(), schema("a", tInt64, "b", tString), options(nil))
	cases := []struct {
		so      plan.ScanOptions
		batches []int
	}{
		{so: plan.ScanOptions{}, batches: []int{16384, 3616}},
		{so: plan.ScanOptions{BatchRows: 7000}, batches: []int{7000, 7000, 6000}},
		{so: plan.ScanOptions{BatchRows: 20000}, batches: []int{20000}},
		{so: plan.ScanOptions{BatchRows: 30000}, batches: []int{20000}},
		{so: plan.ScanOptions{BatchBytes: 40000}, batches: []int{10000, 10000}},
		{so: plan.ScanOptions{BatchRows: 4000, BatchBytes: 40000}, batches: []int{4000, 4000, 4000, 4000, 4000}},
		{so: plan.ScanOptions{BatchRows: 9000, BatchBytes: 30000}, batches: []int{7500, 7500, 5000}},
	}
	for _, c := range cases {
		res := mustScan(t, src, c.so)
		if !slices.Equal(res.Batches, c.batches) {
			t.Errorf("%+v: batches %v, want %v", c.so, res.Batches, c.batches)
		}
	}
	// A batch of one record each when every record is over the bound.
	res := mustScan(t, mustSource(t, "1\n2\n3\n", schema("a", tInt64), options(nil)), plan.ScanOptions{BatchBytes: 1})
	if !slices.Equal(res.Batches, []int{1, 1, 1}) {
		t.Errorf("BatchBytes 1: batches %v", res.Batches)
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "out/part-0.csv", "a,b\n1,x\n")
	writeFile(t, dir, "out/part-1.csv", "a,b\n2,\"y\nz\"\n3,w")
	writeFile(t, dir, "out/sub/part-2.csv", "a,b\n4,v\n")
	writeFile(t, dir, "out/empty.csv", "")
	writeFile(t, dir, "out/header-only.csv", "a,b\n")
	writeFile(t, dir, "out/_SUCCESS", "")
	writeFile(t, dir, "out/_temporary/0/part-9.csv", "a,b\n9,bad\n")
	writeFile(t, dir, "out/.part-0.csv.crc", "garbage")
	writeFile(t, dir, "out/.hidden/part-8.csv", "a,b\n8,bad\n")
	writeFile(t, dir, "other.csv", "a,b\n5,u\n")
	out := filepath.Join(dir, "out")
	cases := []struct {
		name  string
		paths []string
		rows  []string
		err   string
	}{
		{name: "directory", paths: []string{out}, rows: []string{`1,"x"`, `2,"y\nz"`, `3,"w"`, `4,"v"`}},
		{name: "glob", paths: []string{filepath.Join(out, "part-*.csv")}, rows: []string{`1,"x"`, `2,"y\nz"`, `3,"w"`}},
		{name: "glob of directories", paths: []string{filepath.Join(dir, "o*")}, rows: []string{`5,"u"`, `1,"x"`, `2,"y\nz"`, `3,"w"`, `4,"v"`}},
		{name: "several paths", paths: []string{filepath.Join(dir, "other.csv"), filepath.Join(out, "part-1.csv")}, rows: []string{`5,"u"`, `2,"y\nz"`, `3,"w"`}},
		{name: "missing path", paths: []string{out, filepath.Join(dir, "missing.csv")}, err: "missing.csv"},
		{name: "empty file first", paths: []string{filepath.Join(out, "empty.csv"), filepath.Join(dir, "other.csv")}, rows: []string{`5,"u"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for _, infer := range []bool{false, true} {
				for _, size := range []int64{0, 3} {
					o := options(func(o *csvio.Options) { o.Header, o.InferSchema = true, infer })
					if size > 0 {
						o = tinySplits(o, size)
					}
					src, err := csvio.NewSource(c.paths, nil, o)
					if c.err != "" {
						if err == nil || !strings.Contains(err.Error(), c.err) {
							t.Fatalf("error %v, want one naming %q", err, c.err)
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					want := c.rows
					if !infer {
						want = make([]string, len(c.rows))
						for i, r := range c.rows {
							a, b, _ := strings.Cut(r, ",")
							want[i] = fmt.Sprintf("%q,%s", a, b)
						}
					}
					res := mustScan(t, src, plan.ScanOptions{})
					if d := diffRows(res.Rows, want); d != "" {
						t.Fatalf("infer %v, split %d: %s", infer, size, d)
					}
				}
			}
		})
	}
}

func TestOpen(t *testing.T) {
	src := mustSource(t, "1\n2\n", schema("a", tInt64), options(nil))
	for _, p := range []int{-1, src.Partitions()} {
		if _, err := src.Open(ctx, p, plan.ScanOptions{}); err == nil || !strings.Contains(err.Error(), "out of range") {
			t.Errorf("Open(%d): error %v", p, err)
		}
	}
	// A cancelled context stops the reader.
	cctx, cancel := context.WithCancel(ctx)
	mem := checkedAllocator(t)
	r, err := src.Open(cctx, 0, plan.ScanOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cancel()
	if _, err := r.Next(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Next after cancel: %v", err)
	}
	// So does a cancelled context while a split seeks its start.
	tiny := mustSource(t, "1\n2\n", schema("a", tInt64), tinySplits(options(nil), 1))
	if _, err := tiny.Open(cctx, 3, plan.ScanOptions{Allocator: mem}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: %v", err)
	}
}
