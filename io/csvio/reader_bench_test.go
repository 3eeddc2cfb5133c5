package csvio_test

import (
	"bufio"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/plan"
)

// writeFloatsCSV writes a CSV of rows records of 5 float columns with a
// header, and returns its path and size.
func writeFloatsCSV(b *testing.B, rows int) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "floats.csv")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("a,b,c,d,e\n")
	rng := rand.New(rand.NewPCG(7, 7))
	var buf []byte
	for range rows {
		for c := range 5 {
			if c > 0 {
				w.WriteByte(',')
			}
			buf = strconv.AppendFloat(buf[:0], rng.NormFloat64()*1000, 'f', 3, 64)
			w.Write(buf)
		}
		w.WriteByte('\n')
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path, info.Size()
}

// BenchmarkReadFloats reads a 200k-row, 5-column numeric CSV, reporting
// MB/s: all columns, one projected column, and four splits read in turn.
func BenchmarkReadFloats(b *testing.B) {
	path, size := writeFloatsCSV(b, 200_000)
	s := schema("a", tFloat64, "b", tFloat64, "c", tFloat64, "d", tFloat64, "e", tFloat64)
	header := options(func(o *csvio.Options) { o.Header = true })
	cases := []struct {
		name    string
		opts    csvio.Options
		project []string
	}{
		{name: "all", opts: header},
		{name: "project", opts: header, project: []string{"c"}},
		{name: "splits", opts: tinySplits(header, size/4+1)},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var src plan.Source
			src, err := csvio.NewSource([]string{path}, s, c.opts)
			if err != nil {
				b.Fatal(err)
			}
			if c.project != nil {
				if src, err = src.(plan.ProjectingSource).Project(c.project); err != nil {
					b.Fatal(err)
				}
			}
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(b, 0)
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				rows := 0
				for p := range src.Partitions() {
					r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem})
					if err != nil {
						b.Fatal(err)
					}
					for {
						batch, err := r.Next(ctx)
						if err != nil {
							break
						}
						rows += int(batch.NumRows())
					}
					r.Close()
				}
				if rows != 200_000 {
					b.Fatalf("%d rows", rows)
				}
			}
		})
	}
}
