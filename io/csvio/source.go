package csvio

import (
	"context"
	"fmt"

	"github.com/ember-df/ember/io/internal/scan"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/plan"
)

// Source reads CSV files; it implements plan.Source, plan.ProjectingSource
// and plan.LimitingSource. It is an immutable value.
type Source struct {
	opts   Options
	files  []file
	splits []split
	// Narrowing: Full is every column, including the corrupt-record
	// column; Limit counts rows per split.
	scan.Narrowing
	data  []int       // indices in Full of the columns parsed from the file
	scans []chunkScan // one per split, shared by the narrowed copies
}

type file struct {
	path string
	size int64
}

// split is a byte range of one file; it reads the records that start in it.
type split struct {
	file       int
	start, end int64
	first      int // index of the file's first split
}

var (
	_ plan.ProjectingSource = (*Source)(nil)
	_ plan.LimitingSource   = (*Source)(nil)
)

// NewSource lists the files behind paths (files, directories, globs) and
// settles the schema: schema when given, otherwise inferred by sampling
// (inferSchema) or all strings, with names from the header or _c0, _c1…
func NewSource(paths []string, schema *arrow.Schema, opts Options) (*Source, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	files, err := listFiles(paths)
	if err != nil {
		return nil, err
	}
	return newSource(files, schema, opts)
}

// newSource builds a source over listed files; a nil schema is discovered.
func newSource(files []file, schema *arrow.Schema, opts Options) (*Source, error) {
	var err error
	s := &Source{opts: opts, files: files, Narrowing: scan.Narrowing{Limit: -1}}
	if schema == nil {
		if schema, err = s.discoverSchema(); err != nil {
			return nil, err
		}
	}
	s.Full = schema
	for i, f := range schema.Fields() {
		if f.Name == opts.CorruptColumn {
			if f.Type.ID() != arrow.STRING {
				return nil, fmt.Errorf("csvio: corrupt-record column %q must be a string, not %s", f.Name, f.Type)
			}
			continue
		}
		if err := checkType(f); err != nil {
			return nil, err
		}
		// Catch a bad date or timestamp pattern now rather than per split.
		if _, err := newColumn(f, 0, opts); err != nil {
			return nil, err
		}
		s.data = append(s.data, i)
	}
	s.Cols = scan.All(schema)
	s.splits = makeSplits(files, opts)
	s.scans = make([]chunkScan, len(s.splits))
	return s, nil
}

func checkType(f arrow.Field) error {
	switch f.Type.ID() {
	case arrow.STRING, arrow.INT64, arrow.INT32, arrow.INT16, arrow.INT8, arrow.FLOAT64, arrow.FLOAT32,
		arrow.BOOL, arrow.DATE32, arrow.TIMESTAMP:
		return nil
	}
	return fmt.Errorf("csvio: column %q: type %s cannot be read from CSV", f.Name, f.Type)
}

// listFiles expands paths into files (see package listing).
func listFiles(paths []string) ([]file, error) {
	found, err := listing.List(paths, nil)
	if err != nil {
		return nil, fmt.Errorf("csvio: %w", err)
	}
	out := make([]file, len(found))
	for i, f := range found {
		out[i] = file{path: f.Path, size: f.Size}
	}
	return out, nil
}

// makeSplits cuts files into ranges of about total/Partitions bytes, at
// least 4 MiB (so that small files are not cut into tiny pieces) but at
// most MaxSplitBytes, as Spark sizes file splits. MaxSplitBytes wins over
// the minimum, which lets tests cut files into splits of a few bytes.
func makeSplits(files []file, opts Options) []split {
	var total int64
	for _, f := range files {
		total += f.size
	}
	size := total / int64(max(opts.Partitions, 1))
	size = max(size, 4<<20)
	if opts.MaxSplitBytes > 0 {
		size = min(size, opts.MaxSplitBytes)
	}
	size = max(size, 1)
	var out []split
	for i, f := range files {
		first := len(out)
		if f.size == 0 {
			out = append(out, split{file: i, first: first})
			continue
		}
		for start := int64(0); start < f.size; start += size {
			out = append(out, split{file: i, start: start, end: min(start+size, f.size), first: first})
		}
	}
	return out
}

// String implements plan.Source.
func (s *Source) String() string {
	paths := make([]string, len(s.files))
	for i, f := range s.files {
		paths[i] = f.path
	}
	out := scan.Describe("csv", paths, s.Full, s.Cols, s.Limit)
	return out
}

// Partitions implements plan.Source: one per split.
func (s *Source) Partitions() int { return len(s.splits) }

// Project implements plan.ProjectingSource. Naming a column twice is the
// same as naming it once; naming a column the source lacks is an error.
func (s *Source) Project(columns []string) (plan.Source, error) {
	return scan.Projected(s, "csvio", columns)
}

// WithLimit implements plan.LimitingSource. A negative n means no limit.
func (s *Source) WithLimit(n int64) plan.Source { return scan.Limited(s, n) }

// Open implements plan.Source. The reader must be closed.
func (s *Source) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	if err := scan.CheckPartition("csvio", p, len(s.splits)); err != nil {
		return nil, err
	}
	r, err := newReader(ctx, s, p, opts)
	if err != nil {
		return nil, err // not a nil *reader in a non-nil interface
	}
	return r, nil
}
