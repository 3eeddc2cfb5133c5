package ipcio_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

const benchRows = 1_000_000

// writeBenchFile writes benchRows rows (an int64, a float64 and a string
// of 10 to 14 bytes) in batches of 65536 rows, and returns the path and
// size.
func writeBenchFile(b *testing.B, o ipcio.Options) (string, int64) {
	b.Helper()
	mem := memory.NewGoAllocator()
	s := schema("id", tInt64, "score", tF64, "name", tString)
	path := filepath.Join(b.TempDir(), "bench."+ipcio.Format{Options: o}.Extension())
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w, err := ipcio.Format{Options: o}.NewWriter(f, s)
	if err != nil {
		b.Fatal(err)
	}
	const batch = 65536
	for start := 0; start < benchRows; start += batch {
		n := min(batch, benchRows-start)
		rb := array.NewRecordBuilder(mem, s)
		for i := start; i < start+n; i++ {
			rb.Field(0).(*array.Int64Builder).Append(int64(i))
			rb.Field(1).(*array.Float64Builder).Append(float64(i) / 7)
			rb.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("name-%06d", i))
		}
		rec := rb.NewRecordBatch()
		if err := w.Write(rec); err != nil {
			b.Fatal(err)
		}
		rec.Release()
		rb.Release()
	}
	if err := w.Close(); err != nil {
		b.Fatal(err)
	}
	info, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	f.Close()
	return path, info.Size()
}

// BenchmarkRead reads a 1M-row file (about 30 MB uncompressed), reporting
// MB/s of file: an IPC file on one core and split over all cores, a
// stream, compressed files, and one projected column.
func BenchmarkRead(b *testing.B) {
	cases := []struct {
		name     string
		write    ipcio.Options
		parallel bool
		project  []string
	}{
		{name: "file", write: ipcio.DefaultOptions()},
		{name: "file-all-cores", write: ipcio.DefaultOptions(), parallel: true},
		{name: "stream", write: options(ipcio.LayoutStream, "")},
		{name: "lz4", write: options(ipcio.LayoutFile, ipcio.LZ4)},
		{name: "zstd", write: options(ipcio.LayoutFile, ipcio.Zstd)},
		{name: "zstd-all-cores", write: options(ipcio.LayoutFile, ipcio.Zstd), parallel: true},
		{name: "project", write: ipcio.DefaultOptions(), project: []string{"score"}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			path, size := writeBenchFile(b, c.write)
			o := options(ipcio.LayoutAuto, "")
			if c.parallel {
				o.Partitions = runtime.GOMAXPROCS(0)
			}
			var src plan.Source
			src, err := ipcio.NewSource([]string{path}, o)
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
			so := plan.ScanOptions{Allocator: mem, BatchRows: 16384}
			b.SetBytes(size)
			b.ReportAllocs()
			for b.Loop() {
				counts := make([]int64, src.Partitions())
				var wg sync.WaitGroup
				read := func(p int) {
					r, err := src.Open(ctx, p, so)
					if err != nil {
						b.Error(err)
						return
					}
					defer r.Close()
					for {
						batch, err := r.Next(ctx)
						if err != nil {
							return
						}
						counts[p] += batch.NumRows()
					}
				}
				for p := range src.Partitions() {
					if c.parallel {
						wg.Go(func() { read(p) })
					} else {
						read(p)
					}
				}
				wg.Wait()
				var rows int64
				for _, n := range counts {
					rows += n
				}
				if rows != benchRows {
					b.Fatalf("%d rows", rows)
				}
			}
			b.ReportMetric(float64(benchRows)*float64(b.N)/b.Elapsed().Seconds(), "rows/s")
		})
	}
}
