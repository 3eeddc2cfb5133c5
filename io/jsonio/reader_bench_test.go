package jsonio_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

const benchRows = 100_000

// writeBenchJSON writes rows records of a typical event/feature table:
// ints, floats, strings (some with escapes and non-ASCII), a boolean, a
// timestamp string, a nested struct, a list of strings and an embedding
// of 8 floats. It returns the path and size.
func writeBenchJSON(b *testing.B, rows int) (string, int64) {
	b.Helper()
	path := filepath.Join(b.TempDir(), "bench.json")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	rng := rand.New(rand.NewPCG(7, 7))
	names := []string{"alpha", "bravo", `quoted "charlie"`, "délta", "echo\\foxtrot", "中文名"}
	for i := range rows {
		fmt.Fprintf(w, `{"id": %d, "price": %.4f, "name": %q, "active": %t, "ts": "2024-01-%02dT%02d:%02d:%02d.%03dZ", `,
			i, rng.NormFloat64()*100, names[rng.IntN(len(names))], rng.IntN(2) == 0, rng.IntN(28)+1, rng.IntN(24), rng.IntN(60), rng.IntN(60), rng.IntN(1000))
		fmt.Fprintf(w, `"address": {"city": %q, "zip": "%05d", "geo": {"lat": %.6f, "lon": %.6f}}, `,
			names[rng.IntN(len(names))], rng.IntN(100000), rng.Float64()*180-90, rng.Float64()*360-180)
		fmt.Fprintf(w, `"tags": ["t%d", "t%d"], "emb": [`, rng.IntN(50), rng.IntN(50))
		for k := range 8 {
			if k > 0 {
				w.WriteString(", ")
			}
			fmt.Fprintf(w, "%.5f", rng.Float64()*2-1)
		}
		fmt.Fprintf(w, `], "count": %d, "note": null}`+"\n", rng.IntN(1000))
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

var benchSchema = schema("id", tInt64, "price", tFloat64, "name", tString, "active", tBool, "ts", tTsUs,
	"address", structOf("city", tString, "zip", tString, "geo", structOf("lat", tFloat64, "lon", tFloat64)),
	"tags", arrow.ListOf(tString), "emb", arrow.ListOf(tFloat32), "count", tInt64, "note", tString)

// BenchmarkRead reads a 100k-row, 10-column JSON-lines file (about 34 MB)
// on one goroutine, reporting MB/s: all columns with the schema given,
// one column projected, the file cut into 4 splits read in turn, schema
// inference, and for reference encoding/json decoding each line into a
// map[string]any (which builds no Arrow data at all).
func BenchmarkRead(b *testing.B) {
	path, size := writeBenchJSON(b, benchRows)
	cases := []struct {
		name    string
		schema  *arrow.Schema
		opts    jsonio.Options
		project []string
	}{
		{name: "all", schema: benchSchema, opts: jsonio.DefaultOptions()},
		{name: "project", schema: benchSchema, opts: jsonio.DefaultOptions(), project: []string{"price"}},
		{name: "splits", schema: benchSchema, opts: tinySplits(jsonio.DefaultOptions(), size/4+1)},
		{name: "permissive_corrupt", schema: schema(append(fieldPairs(benchSchema), "_corrupt_record", tString)...), opts: jsonio.DefaultOptions()},
		{name: "failfast", schema: benchSchema, opts: options(func(o *jsonio.Options) { o.Mode = jsonio.FailFast })},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var src plan.Source
			src, err := jsonio.NewSource([]string{path}, c.schema, c.opts)
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
			cpu := cpuTime()
			for b.Loop() {
				if rows := readAll(b, src, mem); rows != benchRows {
					b.Fatalf("%d rows", rows)
				}
			}
			reportCPU(b, cpu, size)
		})
	}
	b.Run("infer", func(b *testing.B) {
		b.SetBytes(size)
		cpu := cpuTime()
		for b.Loop() {
			src, err := jsonio.NewSource([]string{path}, nil, options(func(o *jsonio.Options) { o.SamplingRows = benchRows }))
			if err != nil {
				b.Fatal(err)
			}
			if src.Schema().NumFields() != 10 {
				b.Fatalf("schema %s", src.Schema())
			}
		}
		reportCPU(b, cpu, size)
	})
	b.Run("encoding_json_map", func(b *testing.B) {
		data, err := os.ReadFile(path)
		if err != nil {
			b.Fatal(err)
		}
		b.SetBytes(size)
		b.ReportAllocs()
		cpu := cpuTime()
		for b.Loop() {
			for line := range bytes.Lines(data) {
				var m map[string]any
				if err := json.Unmarshal(line, &m); err != nil {
					b.Fatal(err)
				}
			}
		}
		reportCPU(b, cpu, size)
	})
}

func fieldPairs(s *arrow.Schema) []any {
	var out []any
	for _, f := range s.Fields() {
		out = append(out, f.Name, f.Type)
	}
	return out
}

func readAll(b *testing.B, src plan.Source, mem memory.Allocator) int {
	rows := 0
	for p := range src.Partitions() {
		r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem})
		if err != nil {
			b.Fatal(err)
		}
		for {
			batch, err := r.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			rows += int(batch.NumRows())
		}
		r.Close()
	}
	return rows
}

// BenchmarkWrite writes the batches of the benchmark file back as JSON
// lines, reporting MB/s of output.
func BenchmarkWrite(b *testing.B) {
	path, _ := writeBenchJSON(b, benchRows)
	src, err := jsonio.NewSource([]string{path}, benchSchema, jsonio.DefaultOptions())
	if err != nil {
		b.Fatal(err)
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(b, 0)
	r, err := src.Open(ctx, 0, plan.ScanOptions{Allocator: mem, BatchRows: benchRows, BatchBytes: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	batch, err := r.Next(ctx)
	if err != nil {
		b.Fatal(err)
	}
	var out countingWriter
	w, _ := jsonio.Format{Options: jsonio.DefaultOptions()}.NewWriter(&out, benchSchema)
	w.Write(batch)
	w.Close()
	b.SetBytes(out.n)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		w, err := jsonio.Format{Options: jsonio.DefaultOptions()}.NewWriter(io.Discard, benchSchema)
		if err != nil {
			b.Fatal(err)
		}
		if err := w.Write(batch); err != nil {
			b.Fatal(err)
		}
		if err := w.Close(); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, cpu, out.n)
}

// cpuTime returns the CPU time the process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// reportCPU reports throughput per second of CPU time used since start
// (GC included), which a busy machine disturbs less than wall time.
func reportCPU(b *testing.B, start time.Duration, size int64) {
	if used := cpuTime() - start; used > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/used.Seconds(), "MB/cpu-s")
	}
}

type countingWriter struct{ n int64 }

func (c *countingWriter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
