package jsonio_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

const people = `{"name": "Ada", "age": 36, "address": {"city": "London", "zip": "W1"}, "scores": [1.5, 2]}
{"name": "Alan", "age": 41, "scores": []}
{"name": "Grace", "address": {"city": "Arlington"}, "extra": true}
`

func TestProject(t *testing.T) {
	src := mustSource(t, people, nil, options(nil))
	cases := []struct {
		columns []string
		names   []string
		rows    []string
		err     bool
	}{
		{columns: []string{"age"}, names: []string{"age"}, rows: []string{`36`, `41`, `NULL`}},
		{columns: []string{"scores", "name"}, names: []string{"name", "scores"}, rows: []string{`"Ada",[1.5,2]`, `"Alan",[]`, `"Grace",NULL`}},
		{columns: []string{"address", "address"}, names: []string{"address"}, rows: []string{`{city:"London",zip:"W1"}`, `NULL`, `{city:"Arlington",zip:NULL}`}},
		{columns: []string{}, names: []string{}, rows: []string{``, ``, ``}},
		{columns: []string{"age", "nope"}, err: true},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.columns, ","), func(t *testing.T) {
			p, err := src.Project(c.columns)
			if c.err {
				if err == nil || !strings.HasPrefix(err.Error(), "jsonio: ") {
					t.Fatalf("error %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range p.Schema().Fields() {
				names = append(names, f.Name)
			}
			if !slices.Equal(names, c.names) && !(len(names) == 0 && len(c.names) == 0) {
				t.Fatalf("schema %v, want %v", names, c.names)
			}
			res := mustScan(t, p, plan.ScanOptions{})
			if d := diffRows(res.Rows, c.rows); d != "" {
				t.Fatal(d)
			}
		})
	}
	// Projecting a projection narrows it further; the original is unchanged.
	p, _ := src.Project([]string{"name", "age"})
	pp, err := p.(plan.ProjectingSource).Project([]string{"age"})
	if err != nil {
		t.Fatal(err)
	}
	if pp.Schema().NumFields() != 1 || src.Schema().NumFields() != 5 {
		t.Fatalf("schemas %v, %v", pp.Schema(), src.Schema())
	}
	if _, err := p.(plan.ProjectingSource).Project([]string{"scores"}); err == nil {
		t.Fatal("projected a column pruned before")
	}
}

func TestLimit(t *testing.T) {
	var sb strings.Builder
	for i := range 100 {
		fmt.Fprintf(&sb, "{\"i\": %d}\n", i)
	}
	content := sb.String()
	cases := []struct {
		limit     int64
		split     int64
		batchRows int
		want      int
	}{
		{limit: 0, want: 0},
		{limit: 1, want: 1},
		{limit: 7, batchRows: 3, want: 7},
		{limit: 100, want: 100},
		{limit: 1000, want: 100},
		{limit: -1, want: 100},
		{limit: 2, split: 50, want: 2 * ((len(content) + 49) / 50)}, // per split
	}
	for _, c := range cases {
		o := options(nil)
		if c.split > 0 {
			o = tinySplits(o, c.split)
		}
		src := mustSource(t, content, schema("i", tInt64), o).WithLimit(c.limit)
		res := mustScan(t, src, plan.ScanOptions{BatchRows: c.batchRows})
		if c.split == 0 && len(res.Rows) != c.want {
			t.Errorf("limit %d: %d rows, want %d", c.limit, len(res.Rows), c.want)
		}
		if c.split > 0 && (len(res.Rows) > c.want || len(res.Rows) < 2) {
			t.Errorf("limit %d per split of %d: %d rows, want at most %d", c.limit, c.split, len(res.Rows), c.want)
		}
		for i, r := range res.Rows {
			if c.split == 0 && r != fmt.Sprint(i) {
				t.Fatalf("limit %d: row %d is %s", c.limit, i, r)
			}
		}
	}
}

func TestString(t *testing.T) {
	dir := t.TempDir()
	for i := range 5 {
		writeFile(t, dir, fmt.Sprintf("p%d.json", i), `{"a": 1, "b": 2}`+"\n")
	}
	src, err := jsonio.NewSource([]string{dir}, nil, options(nil))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := src.String(), "json [p0.json, p1.json, p2.json, … 5 files] columns=[a, b]"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	p, _ := src.Project([]string{"b"})
	l := p.(plan.LimitingSource).WithLimit(3)
	if got, want := l.String(), "json [p0.json, p1.json, p2.json, … 5 files] columns=[b] (pruned from 2) limit=3"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

// TestDirectories reads a directory as Spark writes one: part files,
// _SUCCESS, a leftover _temporary folder and hidden files are skipped.
func TestDirectories(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "part-00000.json", `{"a": 1}`+"\n")
	writeFile(t, dir, "part-00001.json", `{"a": 2}`+"\n"+`{"a": 3}`+"\n")
	writeFile(t, dir, "sub/part-00002.json", `{"a": 4}`+"\n")
	writeFile(t, dir, "_SUCCESS", "")
	writeFile(t, dir, "_temporary/0/part-00003.json", `{"a": "partial"}`+"\n")
	writeFile(t, dir, ".part-00000.json.crc", "garbage")
	writeFile(t, dir, ".hidden/part.json", "garbage")
	for _, paths := range [][]string{{dir}, {filepath.Join(dir, "part-*.json"), filepath.Join(dir, "sub")}} {
		src, err := jsonio.NewSource(paths, nil, options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast }))
		if err != nil {
			t.Fatal(err)
		}
		if got := typesOf(src.Schema()); !slices.Equal(got, []string{"a:int64"}) {
			t.Fatalf("%v: schema %v", paths, got)
		}
		res := mustScan(t, src, plan.ScanOptions{})
		if d := diffRows(res.Rows, []string{"1", "2", "3", "4"}); d != "" {
			t.Fatalf("%v: %s", paths, d)
		}
	}
}

// TestPartitions checks how files are cut into splits.
func TestPartitions(t *testing.T) {
	dir := t.TempDir()
	big := strings.Repeat(`{"a": 1}`+"\n", 1<<20) // 9 MiB
	writeFile(t, dir, "big.json", big)
	writeFile(t, dir, "empty.json", "")
	writeFile(t, dir, "small.json", `{"a": 2}`+"\n")
	cases := []struct {
		partitions int
		maxSplit   int64
		want       int
	}{
		{partitions: 1, want: 3},                        // one split per file
		{partitions: 8, want: 5},                        // 4 MiB minimum: big is cut in 3
		{partitions: 8, maxSplit: 1 << 20, want: 11},    // at most 1 MiB
		{partitions: 1, maxSplit: 3 << 20, want: 5},     // the maximum wins
		{partitions: 1000, maxSplit: 64 << 20, want: 5}, // the 4 MiB minimum
	}
	for _, c := range cases {
		o := options(func(o *jsonio.Options) {
			o.Partitions = c.partitions
			if c.maxSplit > 0 {
				o.MaxSplitBytes = c.maxSplit
			}
		})
		src, err := jsonio.NewSource([]string{dir}, schema("a", tInt64), o)
		if err != nil {
			t.Fatal(err)
		}
		if src.Partitions() != c.want {
			t.Errorf("%+v: %d partitions, want %d", c, src.Partitions(), c.want)
		}
		if c.partitions == 8 && c.maxSplit > 0 {
			if res := mustScan(t, src, plan.ScanOptions{}); len(res.Rows) != 1<<20+1 {
				t.Errorf("%d rows", len(res.Rows))
			}
		}
	}
}
