package parquetio

import (
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/metadata"
)

// ErrCorrupt is wrapped by the errors for files that this package finds
// corrupt (metadata checks, batch validation) and for panics inside
// arrow-go; the errors arrow-go returns itself (a page that does not
// decompress, say) are passed on as they are, after the file's name.
var ErrCorrupt = errors.New("corrupt Parquet file")

// recoverCorrupt, deferred, turns a panic while decoding the file at path
// into an error naming the file. arrow-go's Parquet decoders panic on
// corrupt input (fuzzing found six kinds, kept in testdata/fuzz: a nil
// page header, invalid logical types, columns of different lengths, …),
// and one bad file must fail its query, not the process. The
// package defers it at each entry into arrow-go: reading a footer, opening
// a reader, each Next and Close. (pqarrow's record reader runs in the
// caller's goroutine unless ArrowReadProperties.Parallel is set, which
// this package never sets, so the recover sees its panics.)
func recoverCorrupt(path string, err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("parquetio: %s: %w: the decoder panicked: %v", path, ErrCorrupt, p)
	}
}

// checkMetadata rejects metadata that would make arrow-go misbehave
// rather than fail: arrow-go allocates a column chunk's whole stated size
// before reading it, so a corrupt size would be a huge allocation (the
// process dies of it, no recover helps), and it indexes row groups' column
// chunks by the schema's columns. It returns the compressed size of each
// row group.
func checkMetadata(meta *metadata.FileMetaData, size int64) ([]int64, error) {
	if meta.NumRows < 0 {
		return nil, fmt.Errorf("%w: %d rows", ErrCorrupt, meta.NumRows)
	}
	cols := meta.Schema.NumColumns()
	sizes := make([]int64, meta.NumRowGroups())
	for rg := range sizes {
		md := meta.RowGroup(rg)
		if md.NumRows() < 0 {
			return nil, fmt.Errorf("%w: row group %d has %d rows", ErrCorrupt, rg, md.NumRows())
		}
		if md.NumColumns() != cols {
			return nil, fmt.Errorf("%w: row group %d has %d columns, the schema %d", ErrCorrupt, rg, md.NumColumns(), cols)
		}
		for c := 0; c < cols; c++ {
			cc, err := md.ColumnChunk(c)
			if err != nil {
				return nil, fmt.Errorf("%w: row group %d column %d: %w", ErrCorrupt, rg, c, err)
			}
			// The same start as arrow-go's RowGroupReader.GetColumnPageReader.
			start := cc.DataPageOffset()
			if cc.HasDictionaryPage() && cc.DictionaryPageOffset() > 0 && start > cc.DictionaryPageOffset() {
				start = cc.DictionaryPageOffset()
			}
			n := cc.TotalCompressedSize()
			if start < 0 || n < 0 {
				return nil, fmt.Errorf("%w: row group %d column %d has offset %d and size %d", ErrCorrupt, rg, c, start, n)
			}
			if start > size || n > size-start {
				return nil, fmt.Errorf("%w: row group %d column %d: %d bytes at offset %d run past the end of the %d-byte file",
					ErrCorrupt, rg, c, n, start, size)
			}
			// arrow-go leaks the page buffers of a column whose codec it
			// lacks; refuse such a file up front.
			if _, err := compress.GetCodec(cc.Compression()); err != nil {
				return nil, fmt.Errorf("row group %d column %d: unsupported compression: %w", rg, c, err)
			}
			sizes[rg] += n
		}
	}
	return sizes, nil
}

// validate checks the structure of a batch pqarrow decoded: pqarrow builds
// list offsets from the pages' repetition and definition levels without
// checking them against the values it decoded, so corrupt levels give
// lists whose offsets run past their values, on which any later access
// panics. The check is O(1) per array (array.Validate, not ValidateFull).
func validate(b arrow.RecordBatch) error {
	for i, col := range b.Columns() {
		if int64(col.Len()) != b.NumRows() {
			return fmt.Errorf("%w: column %s has %d values in a batch of %d rows", ErrCorrupt, b.Schema().Field(i).Name, col.Len(), b.NumRows())
		}
		if err := array.Validate(col); err != nil {
			return fmt.Errorf("%w: column %s: %w", ErrCorrupt, b.Schema().Field(i).Name, err)
		}
	}
	return nil
}
