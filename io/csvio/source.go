package csvio

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/io/internal/parsemode"
	"github.com/ember-df/ember/io/internal/scan"
	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// Source reads CSV files; it implements plan.Source, plan.ProjectingSource
// and plan.LimitingSource. It is an immutable value.
type Source struct {
	opts   Options
	cs     *charset // of opts.Encoding
	files  []textfile.File
	splits []textfile.Split
	// Narrowing: Full is every column, including the corrupt-record
	// column; Limit counts rows per split.
	scan.Narrowing
	data  []int       // indices in Full of the columns parsed from the file
	scans []chunkScan // one per split, shared by the narrowed copies
	// header is the first file's header, headerFile that file; with the
	// header option, every file's header must hold the same names, in
	// any order (columns are matched by name, as Spark's
	// enforceSchema=false checks them).
	header     []string
	headerFile string
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
	return newSource(textfile.Files(found), schema, opts, nil, "")
}

// newSource builds a source over listed files; a nil schema is discovered.
// header and headerFile are the first file's header and path, read here
// when nil and the header option is set.
func newSource(files []textfile.File, schema *arrow.Schema, opts Options, header []string, headerFile string) (*Source, error) {
	cs, err := lookupCharset(opts.Encoding)
	if err != nil {
		return nil, fmt.Errorf("csvio: encoding %q: %w", opts.Encoding, err)
	}
	s := &Source{opts: opts, cs: cs, files: files, Narrowing: scan.Narrowing{Limit: -1}, header: header, headerFile: headerFile}
	if opts.Header && header == nil {
		if err := s.readFirstHeader(); err != nil {
			return nil, err
		}
	}
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
		if _, err := newColumn(f, 0, opts, cs); err != nil {
			return nil, err
		}
		s.data = append(s.data, i)
	}
	s.Cols = scan.All(schema)
	if cs.wholeFile() {
		// A file decoded as a whole is read from its start: one split.
		for i := range files {
			s.splits = append(s.splits, textfile.Split{File: i, End: textfile.Unbounded, First: i})
		}
	} else {
		s.splits = textfile.MakeSplits(files, opts.Partitions, opts.MaxSplitBytes)
	}
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
	note := textfile.Note(s.files)
	if s.cs.wholeFile() {
		note += " (" + s.cs.name + ": not split)"
	}
	return scan.Describe("csv", paths, s.Full, s.Cols, s.Limit) + note
}

// open opens file i of the source for reading by offset in its UTF-8
// text (see charset.open). ctx must outlive the file, which the caller
// closes.
func (s *Source) open(ctx context.Context, i int) (storage.File, error) {
	f, err := textfile.Open(ctx, s.files[i])
	if err != nil {
		return nil, fmt.Errorf("csvio: %w", err)
	}
	d, err := s.cs.open(f)
	if err != nil {
		return nil, fmt.Errorf("csvio: reading %q: %w", s.files[i].Path, err)
	}
	return d, nil
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

// readFirstHeader sets header and headerFile from the first file that has
// a record.
func (s *Source) readFirstHeader() error {
	for i, fi := range s.files {
		f, err := s.open(context.Background(), i)
		if err != nil {
			return err
		}
		r := &reader{src: s, split: textfile.Split{File: i, End: f.Size()}, path: fi.Path, size: f.Size(), f: f, q: newQuoting(s.opts), line: 1}
		_, names, err := r.findHeader()
		f.Close()
		if err != nil {
			return err
		}
		if names != nil {
			s.header, s.headerFile = names, fi.Path
			return nil
		}
	}
	return nil
}

// matchHeader checks the header of the file at path against the first
// file's: the same names in the same order need nothing; the same names
// in another order give the permutation that puts the file's fields in the
// first file's order; anything else is an error naming both files and
// headers.
func (s *Source) matchHeader(path string, names []string) ([]int, error) {
	if s.header == nil || names == nil || slices.Equal(names, s.header) {
		return nil, nil
	}
	at := make(map[string]int, len(names))
	for j, n := range names {
		at[n] = j
	}
	perm := make([]int, len(s.header))
	for k, n := range s.header {
		j, ok := at[n]
		if !ok || len(names) != len(s.header) || len(at) != len(names) {
			return nil, fmt.Errorf("csvio: %s has the header %q, but %s has %q: files read together must have the same columns (in any order)",
				path, names, s.headerFile, s.header)
		}
		perm[k] = j
	}
	return perm, nil
}
