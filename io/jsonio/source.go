package jsonio

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

// Source reads JSON-lines files; it implements plan.Source,
// plan.ProjectingSource, plan.LimitingSource and plan.Portable. It is an
// immutable value, safe for concurrent use.
type Source struct {
	opts   Options
	files  []textfile.File
	splits []textfile.Split
	// Narrowing: Full is every column, including the corrupt-record
	// column; Limit counts rows per split.
	scan.Narrowing
}

var (
	_ plan.ProjectingSource = (*Source)(nil)
	_ plan.LimitingSource   = (*Source)(nil)
)

// NewSource lists the files behind paths (files, directories, globs; see
// the package doc for what is skipped) and settles the schema: schema
// when given, otherwise inferred from the first SamplingRows records.
func NewSource(paths []string, schema *arrow.Schema, opts Options) (*Source, error) {
	if err := opts.check(); err != nil {
		return nil, err
	}
	found, err := listing.List(paths, nil)
	if err != nil {
		return nil, fmt.Errorf("jsonio: %w", err)
	}
	return newSource(textfile.Files(found), schema, opts)
}

// newSource builds a source over listed files; a nil schema is inferred.
func newSource(files []textfile.File, schema *arrow.Schema, opts Options) (*Source, error) {
	var err error
	s := &Source{opts: opts, files: files, Narrowing: scan.Narrowing{Limit: -1}}
	if schema == nil {
		if schema, err = s.inferSchema(); err != nil {
			return nil, err
		}
	}
	s.Full = schema
	seen := map[string]bool{}
	for _, f := range schema.Fields() {
		if seen[f.Name] {
			return nil, fmt.Errorf("jsonio: column %q appears twice in the schema", f.Name)
		}
		seen[f.Name] = true
		if f.Name == opts.CorruptColumn {
			if err := parsemode.CheckCorruptColumn(f); err != nil {
				return nil, fmt.Errorf("jsonio: %w", err)
			}
			continue
		}
		if _, err := newConverter(f.Type, &opts); err != nil {
			return nil, fmt.Errorf("jsonio: column %q: %w", f.Name, err)
		}
	}
	s.Cols = scan.All(schema)
	s.splits = textfile.MakeSplits(files, opts.Partitions, opts.MaxSplitBytes)
	return s, nil
}

// String implements plan.Source.
func (s *Source) String() string {
	paths := make([]string, len(s.files))
	for i, f := range s.files {
		paths[i] = f.Path
	}
	return scan.Describe("json", paths, s.Full, s.Cols, s.Limit) + textfile.Note(s.files)
}

// Partitions implements plan.Source: one per split.
func (s *Source) Partitions() int { return len(s.splits) }

// Project implements plan.ProjectingSource. Naming a column twice is the
// same as naming it once; naming a column the source lacks is an error.
func (s *Source) Project(columns []string) (plan.Source, error) {
	return scan.Projected(s, "jsonio", columns)
}

// WithLimit implements plan.LimitingSource. A negative n means no limit.
func (s *Source) WithLimit(n int64) plan.Source { return scan.Limited(s, n) }

// Open implements plan.Source. The reader must be closed.
func (s *Source) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	if err := scan.CheckPartition("jsonio", p, len(s.splits)); err != nil {
		return nil, err
	}
	return newReader(ctx, s, p, opts)
}
