package parquetio

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/ember-df/ember/io/internal/scan"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/metadata"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// Source reads Parquet files; it implements plan.Source and the
// projection, limit and filter pushdown interfaces. It is an immutable
// value.
type Source struct {
	opts  Options
	files []parquetFile
	parts []part
	// Narrowing: Full is the files' merged schema, strings
	// undictionaried; Cols are top-level field indices.
	scan.Narrowing
	filter plan.Expr // pushed down for row-group pruning; nil means none
}

type parquetFile struct {
	path   string
	size   int64
	meta   *metadata.FileMetaData
	schema *arrow.Schema // the file's own, strings undictionaried
	leaves [][]int       // leaf column indices of each top-level field
	sizes  []int64       // compressed bytes of each row group
}

// part is a partition: some row groups of one file.
type part struct {
	file      int
	rowGroups []int
}

var (
	_ plan.ProjectingSource = (*Source)(nil)
	_ plan.LimitingSource   = (*Source)(nil)
	_ plan.FilteringSource  = (*Source)(nil)
)

// NewSource lists the Parquet files behind paths and reads their footers.
// Files whose schemas differ in compatible ways are merged, as Spark's
// mergeSchema does (see merge.go): missing columns read as NULL, narrower
// numbers are widened. Incompatible types are an error naming the column
// and both files.
func NewSource(paths []string, opts Options) (*Source, error) {
	found, err := listing.List(paths, nil)
	if err != nil {
		return nil, fmt.Errorf("parquetio: %w", err)
	}
	s := &Source{opts: opts, Narrowing: scan.Narrowing{Limit: -1}}
	var merger schemaMerger
	for _, f := range found {
		pf, err := readFooter(f.Path, f.Size)
		if err != nil {
			return nil, err
		}
		if err := merger.add(pf.path, pf.schema); err != nil {
			return nil, err
		}
		s.files = append(s.files, pf)
	}
	s.Full = merger.schema()
	s.Cols = scan.All(s.Full)
	s.parts = makeParts(s.files, opts)
	return s, nil
}

// readFooter reads a file's metadata and Arrow schema, and checks that
// the metadata is sane enough to read by.
func readFooter(path string, size int64) (pf parquetFile, err error) {
	defer recoverCorrupt(path, &err)
	f, err := storage.OpenFile(context.Background(), path, size)
	if err != nil {
		return pf, fmt.Errorf("parquetio: %w", err)
	}
	defer f.Close()
	magic := make([]byte, 4)
	if _, err := f.ReadAt(magic, 0); err != nil || string(magic) != "PAR1" {
		return pf, fmt.Errorf("parquetio: %s: not a Parquet file (no PAR1 magic bytes at its start)", path)
	}
	meta, rw, err := readMetadata(f, size)
	if err != nil {
		return pf, fmt.Errorf("parquetio: %s: not a readable Parquet file: %w", path, err)
	}
	sizes, err := checkMetadata(meta, size)
	if err != nil {
		return pf, fmt.Errorf("parquetio: %s: %w", path, err)
	}
	if err := checkArrowSchema(meta.KeyValueMetadata()); err != nil {
		return pf, fmt.Errorf("parquetio: %s: %w", path, err)
	}
	manifest, err := pqarrow.NewSchemaManifest(meta.Schema, meta.KeyValueMetadata(), &pqarrow.ArrowReadProperties{})
	if err != nil {
		return pf, fmt.Errorf("parquetio: %s: %w", path, err)
	}
	fields := make([]arrow.Field, len(manifest.Fields))
	leaves := make([][]int, len(manifest.Fields))
	for i, sf := range manifest.Fields {
		f, err := fileField(sf, rw.int96Leaves)
		if err != nil {
			return pf, fmt.Errorf("parquetio: %s: %w", path, err)
		}
		fields[i] = f
		leaves[i] = leafIndices(sf)
	}
	return parquetFile{path: path, size: size, meta: meta, schema: arrow.NewSchema(fields, nil), leaves: leaves, sizes: sizes}, nil
}

// readMetadata reads the footer of the size-byte Parquet file f, rewritten
// by rewriteFooter. Footers encrypted with a key ("PARE") are refused:
// ember does not decrypt.
func readMetadata(f io.ReaderAt, size int64) (*metadata.FileMetaData, footerRewrite, error) {
	var rw footerRewrite
	tail := make([]byte, 8)
	if size < 12 {
		return nil, rw, fmt.Errorf("%d bytes are too few for a Parquet file", size)
	}
	if _, err := f.ReadAt(tail, size-8); err != nil {
		return nil, rw, fmt.Errorf("reading the footer: %w", err)
	}
	switch string(tail[4:]) {
	case "PAR1":
	case "PARE":
		return nil, rw, errors.New("its footer is encrypted, and ember does not decrypt Parquet files")
	default:
		return nil, rw, fmt.Errorf("no PAR1 magic bytes at its end (%q)", tail[4:])
	}
	n := int64(binary.LittleEndian.Uint32(tail))
	if n > size-12 {
		return nil, rw, fmt.Errorf("%w: a footer of %d bytes in a file of %d", ErrCorrupt, n, size)
	}
	footer := make([]byte, n)
	if _, err := f.ReadAt(footer, size-8-n); err != nil {
		return nil, rw, fmt.Errorf("reading the footer: %w", err)
	}
	footer, rw, err := rewriteFooter(footer)
	if err != nil {
		return nil, rw, err
	}
	meta, err := metadata.NewFileMetaData(footer, nil)
	if err != nil {
		return nil, rw, err
	}
	meta.SetSourceFileSize(size)
	// The rewritten columns are as rewriteFooter declared them.
	for _, leaf := range rw.int96Leaves {
		if leaf >= meta.Schema.NumColumns() {
			return nil, rw, fmt.Errorf("%w: INT96 column %d of %d columns", ErrCorrupt, leaf, meta.Schema.NumColumns())
		}
		if c := meta.Schema.Column(leaf); c.PhysicalType() != parquet.Types.FixedLenByteArray || c.TypeLength() != 12 {
			return nil, rw, fmt.Errorf("%w: INT96 column %s reads as %s", ErrCorrupt, c.Path(), c.PhysicalType())
		}
	}
	return meta, rw, nil
}

// fileField is the field of a file's top-level column as ember shows it:
// plainField's, with int96Type for the INT96 leaves among int96Leaves
// (which pqarrow reads as fixed_size_binary(12)).
func fileField(sf pqarrow.SchemaField, int96Leaves []int) (arrow.Field, error) {
	f := plainField(*sf.Field)
	if len(int96Leaves) == 0 {
		return f, nil
	}
	t, err := withInt96(sf, f.Type, int96Leaves)
	f.Type = t
	return f, err
}

// withInt96 is t, the plain type of sf, with int96Type for its INT96
// leaves.
func withInt96(sf pqarrow.SchemaField, t arrow.DataType, int96Leaves []int) (arrow.DataType, error) {
	if sf.IsLeaf() {
		if slices.Contains(int96Leaves, sf.ColIndex) {
			return int96Type, nil
		}
		return t, nil
	}
	children := make([]arrow.DataType, len(sf.Children))
	fields := make([]arrow.Field, len(sf.Children))
	nested, ok := t.(arrow.NestedType)
	if !ok || len(nested.Fields()) != len(sf.Children) {
		return nil, fmt.Errorf("column %s: %s does not have the %d children of its Parquet group", sf.Field.Name, t, len(sf.Children))
	}
	for i, ch := range sf.Children {
		fields[i] = nested.Fields()[i]
		var err error
		if children[i], err = withInt96(ch, fields[i].Type, int96Leaves); err != nil {
			return nil, err
		}
		fields[i].Type = children[i]
	}
	switch t := t.(type) {
	case *arrow.StructType:
		return arrow.StructOf(fields...), nil
	case *arrow.ListType:
		return arrow.ListOfField(fields[0]), nil
	case *arrow.LargeListType:
		return arrow.LargeListOfField(fields[0]), nil
	case *arrow.FixedSizeListType:
		return arrow.FixedSizeListOfField(t.Len(), fields[0]), nil
	case *arrow.MapType:
		entries, ok := fields[0].Type.(*arrow.StructType)
		if !ok || entries.NumFields() != 2 {
			return nil, fmt.Errorf("column %s: map entries of %s", sf.Field.Name, fields[0].Type)
		}
		m := arrow.MapOfFields(entries.Field(0), entries.Field(1))
		m.KeysSorted = t.KeysSorted
		return m, nil
	}
	return nil, fmt.Errorf("column %s: INT96 values inside %s", sf.Field.Name, t)
}

func leafIndices(sf pqarrow.SchemaField) []int {
	if sf.IsLeaf() {
		return []int{sf.ColIndex}
	}
	var out []int
	for _, c := range sf.Children {
		out = append(out, leafIndices(c)...)
	}
	return out
}

// plainField is the field as ember shows it: no Parquet field ids in the
// metadata (map keys and values included), list elements named "item"
// (Arrow's default) and dictionary-encoded strings as plain strings.
func plainField(f arrow.Field) arrow.Field {
	return arrow.Field{Name: f.Name, Type: plainType(f.Type), Nullable: f.Nullable}
}

func plainType(t arrow.DataType) arrow.DataType {
	switch t := t.(type) {
	case *arrow.DictionaryType:
		return plainType(t.ValueType)
	case *arrow.ListType:
		elem := plainField(t.ElemField())
		return arrow.ListOfField(arrow.Field{Name: "item", Type: elem.Type, Nullable: elem.Nullable})
	case *arrow.FixedSizeListType:
		elem := plainField(t.ElemField())
		return arrow.FixedSizeListOfField(t.Len(), arrow.Field{Name: "item", Type: elem.Type, Nullable: elem.Nullable})
	case *arrow.StructType:
		fields := make([]arrow.Field, t.NumFields())
		for i, f := range t.Fields() {
			fields[i] = plainField(f)
		}
		return arrow.StructOf(fields...)
	case *arrow.MapType:
		if t.KeyField().Nullable {
			return t // not a valid map (arrow-go refuses such files)
		}
		m := arrow.MapOfFields(plainField(t.KeyField()), plainField(t.ItemField()))
		m.KeysSorted = t.KeysSorted
		return m
	}
	return t
}

// makeParts groups each file's row groups into partitions of about
// total/Partitions compressed bytes, capped by MaxSplitBytes, at least one
// row group each.
func makeParts(files []parquetFile, opts Options) []part {
	var total int64
	for _, f := range files {
		for _, n := range f.sizes {
			total += n
		}
	}
	target := max(total/int64(max(opts.Partitions, 1)), 1)
	if opts.MaxSplitBytes > 0 {
		target = min(target, opts.MaxSplitBytes)
	}
	var out []part
	for i, f := range files {
		var cur part
		var bytes int64
		for rg, n := range f.sizes {
			if len(cur.rowGroups) > 0 && bytes >= target {
				out = append(out, cur)
				cur, bytes = part{}, 0
			}
			cur.file = i
			cur.rowGroups = append(cur.rowGroups, rg)
			bytes += n
		}
		if len(cur.rowGroups) > 0 {
			out = append(out, cur)
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
	out := scan.Describe("parquet", paths, s.Full, s.Cols, s.Limit)
	if s.filter != nil {
		out += " prune-by=" + s.filter.String()
	}
	return out
}

// Partitions implements plan.Source.
func (s *Source) Partitions() int { return max(len(s.parts), 1) }

// Project implements plan.ProjectingSource.
func (s *Source) Project(columns []string) (plan.Source, error) {
	return scan.Projected(s, "parquetio", columns)
}

// WithLimit implements plan.LimitingSource.
func (s *Source) WithLimit(n int64) plan.Source { return scan.Limited(s, n) }

// WithFilter implements plan.FilteringSource: row groups whose statistics
// prove cond false for every row are skipped.
func (s *Source) WithFilter(cond plan.Expr) plan.Source {
	out := *s
	out.filter = cond
	return &out
}

// Open implements plan.Source.
func (s *Source) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	if len(s.parts) == 0 {
		return emptyReader{}, nil
	}
	if p < 0 || p >= len(s.parts) {
		return nil, fmt.Errorf("parquetio: no partition %d (have %d)", p, len(s.parts))
	}
	return newReader(ctx, s, s.parts[p], opts)
}
