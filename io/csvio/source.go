package csvio

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/io/internal/parsemode"
	"github.com/ember-df/ember/io/internal/scan"
	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/plan"
)

// Source reads CSV files; it implements plan.Source, plan.ProjectingSource
// and plan.LimitingSource. It is an immutable value.
type Source struct {
	opts   Options
	files  []textfile.File
	splits []textfile.Split
	// Narrowing: Full is every column, including the corrupt-record
	// column; Limit counts rows per split.
	scan.Narrowing
	data  []int       // indices in Full of the columns parsed from the file
	scans []chunkScan // one per split, shared by the narrowed copies
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
	found, err := listing.List(paths, nil)
	if err != nil {
		return nil, fmt.Errorf("csvio: %w", err)
	}
	return newSource(textfile.Files(found), schema, opts)
}

// newSource builds a source over listed files; a nil schema is discovered.
func newSource(files []textfile.File, schema *arrow.Schema, opts Options) (*Source, error) {
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
			if err := parsemode.CheckCorruptColumn(f); err != nil {
				return nil, fmt.Errorf("csvio: %w", err)
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
	s.splits = textfile.MakeSplits(files, opts.Partitions, opts.MaxSplitBytes)
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

// String implements plan.Source.
func (s *Source) String() string {
	paths := make([]string, len(s.files))
	for i, f := range s.files {
		paths[i] = f.Path
	}
	return scan.Describe("csv", paths, s.Full, s.Cols, s.Limit) + textfile.Note(s.files)
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
