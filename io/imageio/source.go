package imageio

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	_ "image/gif"  // GIF headers
	_ "image/jpeg" // JPEG headers
	_ "image/png"  // PNG headers
	"io"
	"math"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/io/internal/scan"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
	_ "golang.org/x/image/webp" // WebP headers
)

// The columns of a Source, in order.
const (
	colPath = iota
	colFormat
	colWidth
	colHeight
	colSize
	colBytes
)

// sourceSchema is the schema of a Source before projection. format, width
// and height are NULL for a file whose header is no image ember reads.
var sourceSchema = arrow.NewSchema([]arrow.Field{
	{Name: "path", Type: arrow.BinaryTypes.String},
	{Name: "format", Type: arrow.BinaryTypes.String, Nullable: true},
	{Name: "width", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "height", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
	{Name: "size", Type: arrow.PrimitiveTypes.Int64},
	{Name: "bytes", Type: arrow.BinaryTypes.Binary},
}, nil)

// Batch bounds when ScanOptions leaves them unset, as the other formats.
const (
	defaultBatchRows  = 16384
	defaultBatchBytes = 8 << 20
)

// SourceOptions configure a Source.
type SourceOptions struct {
	// Partitions is the most partitions the files are split into; 0 means
	// runtime.NumCPU().
	Partitions int
}

// Source reads a folder of images, one row per file, like Spark's
// spark.read.format("image") but lazily: it implements plan.Source,
// plan.ProjectingSource, plan.LimitingSource and plan.Portable. Its
// columns are
//
//	path    utf8    the file's path as listed
//	format  utf8    "jpeg", "png", "gif" or "webp", from the file's header
//	                (not its extension); NULL when the header is no image
//	width   int32   the stored width in pixels, NULL likewise
//	height  int32   the stored height in pixels, NULL likewise
//	size    int64   the file's size when it was listed
//	bytes   binary  the whole file, undecoded
//
// width and height are the dimensions as stored: an EXIF orientation that
// rotates a JPEG by 90° is not applied, so a portrait photo may read as
// landscape. A file that is corrupt or no image at all does not fail the
// scan: it gets NULL format, width and height.
//
// Only the I/O the projected columns need is done: path and size come
// from the listing and read no file; format, width and height read the
// file's header only; bytes reads the file. A file that vanished or
// cannot be read when it must be opened is an error naming it.
//
// A Source is an immutable value, safe for concurrent use: Project and
// WithLimit return narrowed copies.
type Source struct {
	files          []imageFile
	parts          [][2]int // per partition, files [first, end)
	scan.Narrowing          // Full is sourceSchema
}

// imageFile is one listed file.
type imageFile struct {
	path string
	size int64
}

var (
	_ plan.ProjectingSource = (*Source)(nil)
	_ plan.LimitingSource   = (*Source)(nil)
	_ plan.Portable         = (*Source)(nil)
)

// NewSource lists the files behind paths — files, directories (read
// recursively) and globs — and splits them into partitions. Directories
// and globs give the files with an image extension (.jpg, .jpeg, .png,
// .gif, .webp, in any case) and skip the rest, as well as _SUCCESS,
// _temporary and other names starting with "." or "_"; a file named
// directly is read whatever its name. It reads no file: the listing gives
// the sizes.
//
// The files, in listing order, are cut into contiguous ranges of about
// the same number of files, one per partition, with at most
// opts.Partitions partitions and never more than files.
func NewSource(paths []string, opts SourceOptions) (*Source, error) {
	if opts.Partitions < 0 {
		return nil, fmt.Errorf("imageio: %d partitions", opts.Partitions)
	}
	found, err := listing.List(paths, func(name string) bool { return isImageName(name) })
	if err != nil {
		return nil, fmt.Errorf("imageio: %w", err)
	}
	named := make(map[string]bool, len(paths))
	for _, p := range paths {
		named[p] = true
	}
	var files []imageFile
	for _, f := range found {
		// listing filters what it finds in directories, not what a glob
		// matches (f.Root): filter those here, by extension and name.
		hidden := !named[f.Root] && listing.Hidden(filepath.Base(f.Root))
		if named[f.Path] || (isImageName(f.Path) && !hidden) {
			files = append(files, imageFile{path: f.Path, size: f.Size})
		}
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("imageio: %s: no image files", strings.Join(paths, ", "))
	}
	partitions := opts.Partitions
	if partitions == 0 {
		partitions = runtime.NumCPU()
	}
	return newSource(files, splitFiles(len(files), partitions)), nil
}

func newSource(files []imageFile, parts [][2]int) *Source {
	return &Source{files: files, parts: parts, Narrowing: scan.Narrowing{Full: sourceSchema, Cols: scan.All(sourceSchema), Limit: -1}}
}

// isImageName reports whether a file name has an image extension.
func isImageName(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".jpg", ".jpeg", ".png", ".gif", ".webp":
		return true
	}
	return false
}

// splitFiles cuts n files into min(n, partitions) contiguous ranges whose
// sizes differ by at most one file.
func splitFiles(n, partitions int) [][2]int {
	k := max(min(n, partitions), 1)
	parts := make([][2]int, k)
	for i := range parts {
		parts[i] = [2]int{i * n / k, (i + 1) * n / k}
	}
	return parts
}

// String implements plan.Source: "image [path, width] 100 files, 2
// partitions, limit 5".
func (s *Source) String() string {
	names := make([]string, len(s.Cols))
	for i, c := range s.Cols {
		names[i] = sourceSchema.Field(c).Name
	}
	out := fmt.Sprintf("image [%s] %s, %s", strings.Join(names, ", "),
		plural(len(s.files), "file"), plural(len(s.parts), "partition"))
	if s.Limit >= 0 {
		out += fmt.Sprintf(", limit %d", s.Limit)
	}
	return out
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

// Partitions implements plan.Source.
func (s *Source) Partitions() int { return len(s.parts) }

// Project implements plan.ProjectingSource. Naming a column twice is the
// same as naming it once; naming a column the source lacks is an error.
func (s *Source) Project(columns []string) (plan.Source, error) {
	return scan.Projected(s, "imageio", columns)
}

// WithLimit implements plan.LimitingSource. A negative n means no limit.
func (s *Source) WithLimit(n int64) plan.Source { return scan.Limited(s, n) }

// Open implements plan.Source. The reader must be closed.
func (s *Source) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	if err := scan.CheckPartition("imageio", p, len(s.parts)); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r := &sourceReader{
		schema: s.Schema(),
		cols:   s.Cols,
		files:  s.files[s.parts[p][0]:s.parts[p][1]],
		left:   s.Limit,
		mem:    opts.Allocator,
		rows:   opts.BatchRows,
		bytes:  opts.BatchBytes,
	}
	if r.mem == nil {
		r.mem = memory.DefaultAllocator
	}
	if r.rows <= 0 {
		r.rows = defaultBatchRows
	}
	if r.bytes <= 0 {
		r.bytes = defaultBatchBytes
	}
	for _, c := range s.Cols {
		switch c {
		case colFormat, colWidth, colHeight:
			r.header = true
		case colBytes:
			r.data = true
		}
	}
	return r, nil
}

// sourceReader reads one partition of a Source.
type sourceReader struct {
	schema *arrow.Schema
	cols   []int
	files  []imageFile // the files still to read
	left   int64       // rows left under the limit; negative means none
	mem    memory.Allocator
	rows   int
	bytes  int64
	header bool // format, width or height are projected
	data   bool // bytes is projected
	cur    arrow.RecordBatch
	br     *bufio.Reader // reused across headers
}

// imageHeader is what a file's header says; ok is false when it is no
// image ember reads.
type imageHeader struct {
	format        string
	width, height int
	ok            bool
}

// Next implements plan.BatchReader. A batch ends after BatchRows files or
// once its estimated size reaches BatchBytes (file sizes counted when
// bytes is projected), whichever comes first; the binary column of one
// batch never exceeds 2 GiB.
func (r *sourceReader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	if len(r.files) == 0 || r.left == 0 {
		return nil, io.EOF
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := r.batchFiles()
	files := r.files[:n]
	b, err := r.build(ctx, files)
	if err != nil {
		return nil, err
	}
	r.files = r.files[n:]
	if r.left > 0 {
		r.left -= int64(n)
	}
	r.cur = b
	return b, nil
}

// batchFiles is how many of the files left go into the next batch.
func (r *sourceReader) batchFiles() int {
	limit := len(r.files)
	if r.left >= 0 {
		limit = int(min(int64(limit), r.left))
	}
	var est, data int64
	n := 0
	for n < limit && n < r.rows && (n == 0 || est < r.bytes) {
		f := r.files[n]
		if r.data && n > 0 && data+f.size > math.MaxInt32 {
			break // the binary column's int32 offsets
		}
		est += r.rowBytes(f)
		data += f.size
		n++
	}
	return n
}

// rowBytes estimates the bytes one file adds to a batch.
func (r *sourceReader) rowBytes(f imageFile) int64 {
	var n int64
	for _, c := range r.cols {
		switch c {
		case colPath:
			n += 4 + int64(len(f.path))
		case colFormat:
			n += 4 + 4
		case colWidth, colHeight:
			n += 4
		case colSize:
			n += 8
		case colBytes:
			n += 4 + f.size
		}
	}
	return n
}

// build reads what the projected columns need of files into a batch.
func (r *sourceReader) build(ctx context.Context, files []imageFile) (arrow.RecordBatch, error) {
	var (
		headers []imageHeader
		data    *binaryColumn
	)
	if r.header {
		headers = make([]imageHeader, len(files))
	}
	if r.data {
		data = newBinaryColumn(r.mem, len(files), files)
		defer data.release()
	}
	for i, f := range files {
		if !r.header && !r.data {
			break // path and size come from the listing
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if r.data {
			var content []byte
			if content, err = data.appendFile(ctx, f.path); err == nil && r.header {
				headers[i] = headerOf(bytes.NewReader(content))
			}
		} else {
			headers[i], err = r.readHeader(ctx, f.path)
		}
		if err != nil {
			return nil, fmt.Errorf("imageio: %w", err)
		}
	}
	arrays := make([]arrow.Array, 0, len(r.cols))
	defer func() {
		for _, a := range arrays {
			a.Release()
		}
	}()
	for _, c := range r.cols {
		var a arrow.Array
		switch c {
		case colPath:
			b := array.NewStringBuilder(r.mem)
			for _, f := range files {
				b.Append(f.path)
			}
			a = b.NewArray()
			b.Release()
		case colFormat:
			b := array.NewStringBuilder(r.mem)
			for _, h := range headers {
				if h.ok {
					b.Append(h.format)
				} else {
					b.AppendNull()
				}
			}
			a = b.NewArray()
			b.Release()
		case colWidth, colHeight:
			b := array.NewInt32Builder(r.mem)
			b.Reserve(len(headers))
			for _, h := range headers {
				v := h.width
				if c == colHeight {
					v = h.height
				}
				if h.ok {
					b.UnsafeAppend(int32(v))
				} else {
					b.UnsafeAppendBoolToBitmap(false)
				}
			}
			a = b.NewArray()
			b.Release()
		case colSize:
			b := array.NewInt64Builder(r.mem)
			b.Reserve(len(files))
			for _, f := range files {
				b.UnsafeAppend(f.size)
			}
			a = b.NewArray()
			b.Release()
		case colBytes:
			a = data.newArray()
		}
		arrays = append(arrays, a)
	}
	return array.NewRecordBatch(r.schema, arrays, int64(len(files))), nil
}

// readHeader decodes only as much of a file as image.DecodeConfig needs.
// A file that cannot be opened or read is an error; one whose header is
// no image is a header with ok false.
func (r *sourceReader) readHeader(ctx context.Context, path string) (imageHeader, error) {
	f, err := storage.Open(ctx, path)
	if err != nil {
		return imageHeader{}, err
	}
	defer f.Close()
	src := &readErrors{r: f}
	if r.br == nil {
		r.br = bufio.NewReader(src)
	} else {
		r.br.Reset(src)
	}
	h := headerOf(r.br)
	r.br.Reset(nil) // drop the file
	if src.err != nil {
		return imageHeader{}, fmt.Errorf("reading %s: %w", path, src.err)
	}
	return h, nil
}

// headerOf decodes an image header; anything not an image is !ok.
func headerOf(r io.Reader) imageHeader {
	cfg, format, err := decodeConfig(r)
	if err != nil || cfg.Width < 0 || cfg.Height < 0 || cfg.Width > math.MaxInt32 || cfg.Height > math.MaxInt32 {
		return imageHeader{}
	}
	return imageHeader{format: format, width: cfg.Width, height: cfg.Height, ok: true}
}

// readErrors remembers the first read error other than io.EOF, which
// tells a file that cannot be read from one that is no image.
type readErrors struct {
	r   io.Reader
	err error
}

func (e *readErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) && e.err == nil {
		e.err = err
	}
	return n, err
}

// binaryColumn builds a binary array by reading files straight into its
// data buffer, with no copy in between.
type binaryColumn struct {
	offsets *memory.Buffer
	data    *memory.Buffer
	n       int // files appended
	used    int // bytes of data used
}

// newBinaryColumn makes room for rows files, reserving their listed sizes.
func newBinaryColumn(mem memory.Allocator, rows int, files []imageFile) *binaryColumn {
	c := &binaryColumn{offsets: memory.NewResizableBuffer(mem), data: memory.NewResizableBuffer(mem)}
	c.offsets.Resize(arrow.Int32Traits.BytesRequired(rows + 1))
	arrow.Int32Traits.CastFromBytes(c.offsets.Bytes())[0] = 0
	var total int64
	for _, f := range files {
		total += f.size
	}
	// One byte more than the listed sizes, so that reading the last file
	// to its end needs no larger buffer just to see io.EOF.
	c.data.Reserve(int(min(total, math.MaxInt32)) + 1)
	return c
}

// appendFile reads the file at path into the column and returns its
// content (which aliases the column's buffer until the next append).
func (c *binaryColumn) appendFile(ctx context.Context, path string) ([]byte, error) {
	f, err := storage.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	start := c.used
	for {
		if c.used == c.data.Cap() {
			c.data.Reserve(max(2*c.data.Cap(), c.used+64<<10))
		}
		k, err := f.Read(c.data.Buf()[c.used:])
		c.used += k
		if c.used > math.MaxInt32 {
			return nil, fmt.Errorf("%s: more than 2 GiB of file bytes in one batch", path)
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
	}
	c.n++
	offsets := arrow.Int32Traits.CastFromBytes(c.offsets.Bytes())
	offsets[c.n] = int32(c.used)
	return c.data.Buf()[start:c.used], nil
}

// newArray makes the array of the files appended; the column still holds
// its buffers until release.
func (c *binaryColumn) newArray() arrow.Array {
	c.data.ResizeNoShrink(c.used)
	d := array.NewData(arrow.BinaryTypes.Binary, c.n, []*memory.Buffer{nil, c.offsets, c.data}, nil, 0, 0)
	defer d.Release()
	return array.MakeFromData(d)
}

func (c *binaryColumn) release() {
	c.offsets.Release()
	c.data.Release()
}

// Close implements plan.BatchReader.
func (r *sourceReader) Close() error {
	r.release()
	r.files = nil
	return nil
}

func (r *sourceReader) release() {
	if r.cur != nil {
		r.cur.Release()
		r.cur = nil
	}
}

// Sources serialize, so plans that read images can travel to other
// processes (plan.Marshal).
func init() { plan.RegisterSource("image", decodeSource) }

// sourceConfig is a Source as it travels: the listed files and their
// partitions, so that decoding lists nothing and reads the same files.
type sourceConfig struct {
	Files      []imageFileConfig `json:"files"`
	Partitions [][2]int          `json:"partitions"`
	Columns    []string          `json:"columns"`
	Limit      int64             `json:"limit"`
}

type imageFileConfig struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Kind implements plan.Portable.
func (s *Source) Kind() string { return "image" }

// Config implements plan.Portable: the files, partitions, projection and
// limit.
func (s *Source) Config() (json.RawMessage, error) {
	c := sourceConfig{Partitions: s.parts, Columns: []string{}, Limit: s.Limit}
	for _, f := range s.files {
		c.Files = append(c.Files, imageFileConfig{Path: f.path, Size: f.size})
	}
	for _, i := range s.Cols {
		c.Columns = append(c.Columns, sourceSchema.Field(i).Name)
	}
	return json.Marshal(c)
}

func decodeSource(raw json.RawMessage) (plan.Source, error) {
	var c sourceConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("imageio: decoding source: %w", err)
	}
	if len(c.Files) == 0 || len(c.Partitions) == 0 {
		return nil, fmt.Errorf("imageio: decoding source: no files or partitions")
	}
	files := make([]imageFile, len(c.Files))
	for i, f := range c.Files {
		files[i] = imageFile{path: f.Path, size: f.Size}
	}
	for _, p := range c.Partitions {
		if p[0] < 0 || p[0] > p[1] || p[1] > len(files) {
			return nil, fmt.Errorf("imageio: decoding source: bad partition %v", p)
		}
	}
	out, err := newSource(files, c.Partitions).Project(c.Columns)
	if err != nil {
		return nil, err
	}
	return out.(*Source).WithLimit(c.Limit), nil
}
