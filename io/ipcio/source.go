package ipcio

import (
	"context"
	"fmt"
	"slices"

	"github.com/ember-df/ember/io/internal/scan"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// Source reads Arrow IPC files or streams; it implements plan.Source,
// plan.ProjectingSource, plan.LimitingSource and plan.Portable. It is an
// immutable value: Project and WithLimit return narrowed copies.
type Source struct {
	opts  Options
	files []file
	parts []part
	// Narrowing: Full is merged from the files, with plain types.
	scan.Narrowing
}

// part is one partition: a range of the record batches of an IPC file, or
// a whole stream.
type part struct {
	file       int
	first, end int // batches [first, end) of an IPC file; 0, -1 for a stream
}

var (
	_ plan.ProjectingSource = (*Source)(nil)
	_ plan.LimitingSource   = (*Source)(nil)
)

// NewSource lists the files behind paths (files, directories, globs;
// directories skip _SUCCESS, _temporary and hidden names) and reads their
// schemas, which must agree: columns are matched by name; a column that
// some files lack must be nullable where present; int32 and int64 (any
// two integers of one signedness, float32 and float64) merge to the wider
// type. Dictionary-encoded columns are read as their value type, and a
// name that several columns of a file share gets the column's index
// appended (see the package documentation).
// It reads every file's footer (IPC files) or first message (streams),
// and plans partitions (see Options.Partitions).
func NewSource(paths []string, opts Options) (*Source, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	infos, err := listFiles(paths, opts.layout())
	if err != nil {
		return nil, err
	}
	var m merged
	for _, info := range infos {
		plain, err := plainSchema(info.schema)
		if err != nil {
			return nil, fmt.Errorf("ipcio: %s: %w", info.path, err)
		}
		if err := m.add(info.path, plain); err != nil {
			return nil, err
		}
	}
	files := make([]file, len(infos))
	for i, info := range infos {
		files[i] = info.file
	}
	return newSource(files, makeParts(infos, opts.Partitions), m.schema(), opts), nil
}

func newSource(files []file, parts []part, full *arrow.Schema, opts Options) *Source {
	s := &Source{opts: opts, files: files, parts: parts, Narrowing: scan.Narrowing{Full: full, Cols: scan.All(full), Limit: -1}}
	return s
}

// makeParts plans the partitions: one per stream; the batches of an IPC
// file are cut into runs of about total/partitions bytes, balanced by
// bytes and at least one batch each, so that one big file is read on all
// cores. The total counts the batches of IPC files and whole streams.
func makeParts(infos []fileInfo, partitions int) []part {
	sizes := make([]int64, len(infos))
	var total int64
	for i, f := range infos {
		sizes[i] = f.size
		if f.layout == LayoutFile {
			sizes[i] = 0
			for _, b := range f.blocks {
				sizes[i] += b
			}
		}
		total += sizes[i]
	}
	target := max(total/int64(max(partitions, 1)), 1)
	var out []part
	for i, f := range infos {
		if f.layout == LayoutStream {
			out = append(out, part{file: i, end: -1})
			continue
		}
		n := len(f.blocks)
		k := int(min((sizes[i]+target-1)/target, int64(n)))
		if k <= 1 {
			out = append(out, part{file: i, end: n})
			continue
		}
		cum := make([]int64, n+1) // cum[c]: bytes of the first c batches
		for j, b := range f.blocks {
			cum[j+1] = cum[j] + b
		}
		// Cut j falls on the batch boundary nearest to j/k of the bytes,
		// leaving at least one batch to every partition.
		prev := 0
		for j := 1; j < k; j++ {
			ideal := cum[n] * int64(j) / int64(k)
			c, _ := slices.BinarySearch(cum, ideal)
			if c > 0 && (c > n || ideal-cum[c-1] < cum[c]-ideal) {
				c--
			}
			c = min(max(c, prev+1), n-(k-j))
			out = append(out, part{file: i, first: prev, end: c})
			prev = c
		}
		out = append(out, part{file: i, first: prev, end: n})
	}
	return out
}

// String implements plan.Source.
func (s *Source) String() string {
	paths := make([]string, len(s.files))
	for i, f := range s.files {
		paths[i] = f.path
	}
	out := scan.Describe("arrow", paths, s.Full, s.Cols, s.Limit)
	return out
}

// Partitions implements plan.Source: one per stream, one or more per IPC
// file.
func (s *Source) Partitions() int { return len(s.parts) }

// Project implements plan.ProjectingSource. Naming a column twice is the
// same as naming it once; naming a column the source lacks is an error.
// arrow-go's IPC readers have no column selection, so every batch is read
// whole and the other columns are dropped at once, before any conversion.
func (s *Source) Project(columns []string) (plan.Source, error) {
	return scan.Projected(s, "ipcio", columns)
}

// WithLimit implements plan.LimitingSource. A negative n means no limit.
func (s *Source) WithLimit(n int64) plan.Source { return scan.Limited(s, n) }

// Open implements plan.Source. The reader must be closed.
func (s *Source) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	if err := scan.CheckPartition("ipcio", p, len(s.parts)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return newReader(ctx, s, p, opts)
}
