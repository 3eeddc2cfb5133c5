package imageio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/io/imageio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// tinyWebP is a 1×1 lossless WebP (VP8L), the one browsers' feature tests
// use.
var tinyWebP = []byte{
	0x52, 0x49, 0x46, 0x46, 0x1a, 0x00, 0x00, 0x00, 0x57, 0x45, 0x42, 0x50, 0x56, 0x50, 0x38, 0x4c,
	0x0d, 0x00, 0x00, 0x00, 0x2f, 0x00, 0x00, 0x00, 0x10, 0x07, 0x10, 0x11, 0x11, 0x88, 0x88, 0xfe,
	0x07, 0x00,
}

// noise is a w×h image of random colours (seeded), so that encoded files
// are not tiny.
func noise(w, h int, seed uint64) *image.NRGBA {
	rng := rand.New(rand.NewPCG(seed, 1))
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = uint8(rng.UintN(256))
	}
	return img
}

func encodePNG(t testing.TB, w, h int, seed uint64) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, noise(w, h, seed)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, noise(w, h, 7), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func encodeGIF(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewPaletted(image.Rect(0, 0, w, h), color.Palette{color.Black, color.White})
	img.SetColorIndex(1, 1, 1)
	var buf bytes.Buffer
	if err := gif.Encode(&buf, img, nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// imageFile is a file of the test folder and what a scan must say of it.
type imageFile struct {
	name    string // relative to the folder
	content []byte
	format  string // "" for no image
	w, h    int
}

// row prints the file as sourcetest prints a full row.
func (f imageFile) row(dir string) string {
	format, w, h := "NULL", "NULL", "NULL"
	if f.format != "" {
		format, w, h = strconv.Quote(f.format), strconv.Itoa(f.w), strconv.Itoa(f.h)
	}
	return strings.Join([]string{
		strconv.Quote(filepath.Join(dir, f.name)), format, w, h,
		strconv.Itoa(len(f.content)), "b" + strconv.Quote(string(f.content)),
	}, ",")
}

// imageFolder writes a folder of images, in listing order, plus files a
// scan must skip, and returns the folder and the images.
func imageFolder(t testing.TB) (string, []imageFile) {
	t.Helper()
	dir := t.TempDir()
	files := []imageFile{
		{name: "a.png", content: encodePNG(t, 3, 2, 1), format: "png", w: 3, h: 2},
		{name: "broken.jpg", content: []byte("\xff\xd8\xff not really a JPEG")},
		{name: "c.gif", content: encodeGIF(t, 2, 3), format: "gif", w: 2, h: 3},
		{name: "d.webp", content: tinyWebP, format: "webp", w: 1, h: 1},
		// The format comes from the header, not the extension.
		{name: "fake.jpeg", content: encodePNG(t, 5, 4, 2), format: "png", w: 5, h: 4},
		{name: "sub/b.JPG", content: encodeJPEG(t, 4, 5), format: "jpeg", w: 4, h: 5},
	}
	for _, f := range files {
		sourcetest.WriteFile(t, dir, f.name, f.content)
	}
	sourcetest.WriteFile(t, dir, "notes.txt", []byte("not an image"))
	sourcetest.WriteFile(t, dir, "_SUCCESS", nil)
	sourcetest.WriteFile(t, dir, ".hidden.png", encodePNG(t, 1, 1, 3))
	sourcetest.WriteFile(t, dir, "_temporary/x.png", encodePNG(t, 1, 1, 4))
	return dir, files
}

// sameImages writes n copies of one 64×64 PNG (same size, over 4 KiB)
// named img-00.png…; it returns the folder and the file size.
func sameImages(t testing.TB, n int) (string, int) {
	t.Helper()
	dir := t.TempDir()
	content := encodePNG(t, 64, 64, 9)
	for i := range n {
		sourcetest.WriteFile(t, dir, fmt.Sprintf("img-%02d.png", i), content)
	}
	return dir, len(content)
}

func newSource(t testing.TB, paths []string, partitions int) *imageio.Source {
	t.Helper()
	src, err := imageio.NewSource(paths, imageio.SourceOptions{Partitions: partitions})
	if err != nil {
		t.Fatal(err)
	}
	return src
}

func project(t testing.TB, src plan.Source, columns ...string) plan.Source {
	t.Helper()
	out, err := src.(plan.ProjectingSource).Project(columns)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSourceSchemaAndValues(t *testing.T) {
	dir, files := imageFolder(t)
	src := newSource(t, []string{dir}, 1)
	want := arrow.NewSchema([]arrow.Field{
		{Name: "path", Type: arrow.BinaryTypes.String},
		{Name: "format", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "width", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "height", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "size", Type: arrow.PrimitiveTypes.Int64},
		{Name: "bytes", Type: arrow.BinaryTypes.Binary},
	}, nil)
	if !src.Schema().Equal(want) {
		t.Fatalf("schema %s, want %s", src.Schema(), want)
	}
	var rows []string
	for _, f := range files {
		rows = append(rows, f.row(dir))
	}
	res := sourcetest.MustScanFull(t, src, plan.ScanOptions{})
	if d := sourcetest.DiffRows(res.Rows, rows); d != "" {
		t.Fatal(d)
	}
	// Each column alone reads the same values as with the others.
	for j, name := range sourcetest.Names(want) {
		res := sourcetest.MustScanFull(t, project(t, src, name), plan.ScanOptions{})
		if d := sourcetest.DiffRows(res.Cols[0], sourcetest.MustScanFull(t, src, plan.ScanOptions{}).Cols[j]); d != "" {
			t.Fatalf("%s alone: %s", name, d)
		}
	}
	// format, width and height without bytes read the header only, with
	// the same result.
	res = sourcetest.MustScanFull(t, project(t, src, "height", "format", "width"), plan.ScanOptions{})
	if d := sourcetest.DiffRows(res.Cols[0], []string{`"png"`, "NULL", `"gif"`, `"webp"`, `"png"`, `"jpeg"`}); d != "" {
		t.Fatal(d)
	}
	if d := sourcetest.DiffRows(res.Cols[2], []string{"2", "NULL", "3", "1", "4", "5"}); d != "" {
		t.Fatal(d)
	}
}

func TestSourceSelectsFiles(t *testing.T) {
	dir, files := imageFolder(t)
	paths := func(src plan.Source) []string {
		return sourcetest.MustScan(t, project(t, src, "path"), plan.ScanOptions{}).Cols[0]
	}
	quoted := func(names ...string) []string {
		var out []string
		for _, n := range names {
			out = append(out, strconv.Quote(filepath.Join(dir, n)))
		}
		return out
	}
	// A glob gives image files only, hidden ones excluded; directories it
	// matches are read recursively.
	got := paths(newSource(t, []string{filepath.Join(dir, "*")}, 2))
	if d := sourcetest.DiffRows(got, quoted(files[0].name, files[1].name, files[2].name, files[3].name, files[4].name, files[5].name)); d != "" {
		t.Fatal(d)
	}
	// A file named directly is read whatever its name: not an image, it
	// reads as NULLs.
	src := newSource(t, []string{filepath.Join(dir, "notes.txt"), filepath.Join(dir, "c.gif")}, 2)
	res := sourcetest.MustScan(t, project(t, src, "path", "format", "width"), plan.ScanOptions{})
	if d := sourcetest.DiffRows(res.Rows, []string{quoted("notes.txt")[0] + ",NULL,NULL", quoted("c.gif")[0] + `,"gif",2`}); d != "" {
		t.Fatal(d)
	}
	// A folder with no image, a missing path, a negative partition count.
	empty := t.TempDir()
	sourcetest.WriteFile(t, empty, "a.txt", []byte("x"))
	for _, c := range []struct {
		paths      []string
		partitions int
	}{
		{[]string{empty}, 1},
		{[]string{filepath.Join(empty, "*")}, 1},
		{[]string{filepath.Join(dir, "missing.png")}, 1},
		{nil, 1},
		{[]string{dir}, -1},
	} {
		if _, err := imageio.NewSource(c.paths, imageio.SourceOptions{Partitions: c.partitions}); err == nil || !strings.HasPrefix(err.Error(), "imageio: ") {
			t.Errorf("NewSource(%q, %d): error %v", c.paths, c.partitions, err)
		}
	}
}

// TestSourceReadsOnlyWhatItNeeds deletes the files after listing them: a
// scan of path and size (or of no column, as Count does) still works,
// proving it opens no file, while header and bytes columns fail naming the
// file.
func TestSourceReadsOnlyWhatItNeeds(t *testing.T) {
	dir, files := imageFolder(t)
	src := newSource(t, []string{dir}, 2)
	for _, f := range files {
		if err := os.Remove(filepath.Join(dir, f.name)); err != nil {
			t.Fatal(err)
		}
	}
	res := sourcetest.MustScan(t, project(t, src, "size", "path"), plan.ScanOptions{})
	var want []string
	for _, f := range files {
		want = append(want, fmt.Sprintf("%q,%d", filepath.Join(dir, f.name), len(f.content)))
	}
	if d := sourcetest.DiffRows(res.Rows, want); d != "" {
		t.Fatal(d)
	}
	if res := sourcetest.MustScan(t, project(t, src), plan.ScanOptions{}); len(res.Rows) != len(files) {
		t.Fatalf("no columns: %d rows, want %d", len(res.Rows), len(files))
	}
	for _, col := range []string{"format", "width", "height", "bytes"} {
		_, err := sourcetest.Scan(t, project(t, src, "path", col), plan.ScanOptions{})
		if err == nil || !strings.HasPrefix(err.Error(), "imageio: ") || !strings.Contains(err.Error(), filepath.Join(dir, "a.png")) || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s of a deleted file: error %v", col, err)
		}
	}
}

// TestSourceUnreadableFileIsAnError checks that a file that cannot be
// opened is an error naming it, not a NULL like a corrupt image.
func TestSourceUnreadableFileIsAnError(t *testing.T) {
	if runtime.GOOS == "windows" || os.Geteuid() == 0 {
		t.Skip("permissions do not stop this user from reading")
	}
	dir, _ := imageFolder(t)
	path := filepath.Join(dir, "c.gif")
	if err := os.Chmod(path, 0); err != nil {
		t.Fatal(err)
	}
	src := newSource(t, []string{dir}, 1)
	for _, col := range []string{"width", "bytes"} {
		_, err := sourcetest.Scan(t, project(t, src, col), plan.ScanOptions{})
		if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, os.ErrPermission) {
			t.Errorf("%s of an unreadable file: error %v", col, err)
		}
	}
	if res := sourcetest.MustScan(t, project(t, src, "path", "size"), plan.ScanOptions{}); len(res.Rows) != 6 {
		t.Fatalf("path, size: %d rows", len(res.Rows))
	}
}

// TestSourceFileChangedAfterListing: size is what the listing saw, bytes
// what the file holds when read, however much larger.
func TestSourceFileChangedAfterListing(t *testing.T) {
	dir, size := sameImages(t, 3)
	src := newSource(t, []string{dir}, 1)
	grown := slices.Concat(encodePNG(t, 2, 2, 5), bytes.Repeat([]byte{'x'}, 200<<10))
	sourcetest.WriteFile(t, dir, "img-01.png", grown)
	res := sourcetest.MustScan(t, project(t, src, "width", "size", "bytes"), plan.ScanOptions{})
	if got := res.Cols[0]; !slices.Equal(got, []string{"64", "2", "64"}) {
		t.Fatalf("widths %v", got)
	}
	if got := res.Cols[1][1]; got != strconv.Itoa(size) {
		t.Fatalf("size %s, want the listed %d", got, size)
	}
	if got := res.Cols[2][1]; got != "b"+strconv.Quote(string(grown)) {
		t.Fatalf("bytes of %d characters, want the %d bytes of the grown file", len(got), len(grown))
	}
}

func TestSourcePartitions(t *testing.T) {
	dir, _ := sameImages(t, 10)
	all := sourcetest.MustScan(t, project(t, newSource(t, []string{dir}, 1), "path"), plan.ScanOptions{}).Rows
	cases := []struct {
		partitions int
		sizes      []int
	}{
		{1, []int{10}},
		{3, []int{3, 3, 4}},
		{4, []int{2, 3, 2, 3}},
		{10, slices.Repeat([]int{1}, 10)},
		{64, slices.Repeat([]int{1}, 10)}, // never more partitions than files
		{0, nil},                          // runtime.NumCPU()
	}
	for _, c := range cases {
		src := project(t, newSource(t, []string{dir}, c.partitions), "path")
		if c.sizes == nil {
			if want := min(runtime.NumCPU(), 10); src.Partitions() != want {
				t.Errorf("Partitions 0: %d partitions, want %d", src.Partitions(), want)
			}
			continue
		}
		res := sourcetest.MustScan(t, src, plan.ScanOptions{})
		var sizes []int
		for _, p := range res.Parts {
			sizes = append(sizes, len(p))
		}
		if !slices.Equal(sizes, c.sizes) {
			t.Errorf("Partitions %d: sizes %v, want %v", c.partitions, sizes, c.sizes)
		}
		// Contiguous ranges in listing order.
		if d := sourcetest.DiffRows(res.Rows, all); d != "" {
			t.Errorf("Partitions %d: %s", c.partitions, d)
		}
	}
	if _, err := newSource(t, []string{dir}, 2).Open(context.Background(), 2, plan.ScanOptions{}); err == nil {
		t.Fatal("opened partition 2 of 2")
	}
}

func TestSourceLimit(t *testing.T) {
	dir, _ := sameImages(t, 10)
	src := project(t, newSource(t, []string{dir}, 2), "path", "width")
	name := func(i int) string { return fmt.Sprintf("%q,64", filepath.Join(dir, fmt.Sprintf("img-%02d.png", i))) }
	cases := []struct {
		limit int64
		want  []string
	}{
		{3, []string{name(0), name(1), name(2), name(5), name(6), name(7)}},
		{1, []string{name(0), name(5)}},
		{0, nil},
		{7, nil}, // more than a partition holds: all
		{-1, nil},
	}
	for _, c := range cases {
		limited := src.(plan.LimitingSource).WithLimit(c.limit)
		for _, rows := range []int{1, 2, 0} {
			res := sourcetest.MustScan(t, limited, plan.ScanOptions{BatchRows: rows})
			want := c.want
			if c.limit != 0 && want == nil {
				for i := range 10 {
					want = append(want, name(i))
				}
			}
			if d := sourcetest.DiffRows(res.Rows, want); d != "" {
				t.Errorf("limit %d, BatchRows %d: %s", c.limit, rows, d)
			}
		}
	}
}

func TestSourceBatchBounds(t *testing.T) {
	dir, size := sameImages(t, 10)
	if size <= 4096 {
		t.Fatalf("test images of %d bytes; they must be larger than 4 KiB", size)
	}
	src := newSource(t, []string{dir}, 1)
	cases := []struct {
		columns []string
		opts    plan.ScanOptions
		batches []int
	}{
		{[]string{"path", "bytes"}, plan.ScanOptions{BatchRows: 4}, []int{4, 4, 2}},
		{[]string{"path"}, plan.ScanOptions{BatchRows: 3}, []int{3, 3, 3, 1}},
		// File bytes count when bytes is projected…
		{[]string{"path", "bytes"}, plan.ScanOptions{BatchBytes: 4096}, slices.Repeat([]int{1}, 10)},
		{[]string{"bytes"}, plan.ScanOptions{BatchBytes: int64(size * 5 / 2)}, []int{3, 3, 3, 1}},
		// …and not otherwise.
		{[]string{"path", "size", "width"}, plan.ScanOptions{BatchBytes: 4096}, []int{10}},
		{[]string{"path", "size", "width"}, plan.ScanOptions{BatchBytes: 1}, slices.Repeat([]int{1}, 10)},
		{nil, plan.ScanOptions{BatchRows: 6}, []int{6, 4}},
	}
	for _, c := range cases {
		res := sourcetest.MustScan(t, project(t, src, c.columns...), c.opts)
		if !slices.Equal(res.Batches, c.batches) {
			t.Errorf("%v %+v: batches %v, want %v", c.columns, c.opts, res.Batches, c.batches)
		}
	}
}

func TestSourceCancel(t *testing.T) {
	dir, _ := sameImages(t, 10)
	src := newSource(t, []string{dir}, 1)
	mem := sourcetest.CheckedAllocator(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := src.Open(ctx, 0, plan.ScanOptions{Allocator: mem, BatchRows: 2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Next(ctx); err != nil {
		t.Fatal(err)
	}
	cancel()
	if b, err := r.Next(ctx); !errors.Is(err, context.Canceled) || b != nil {
		t.Fatalf("Next after cancel: %v, %v", b, err)
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.Close(); err != nil {
		t.Fatal("second Close:", err)
	}
	if _, err := src.Open(ctx, 0, plan.ScanOptions{Allocator: mem}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Open with a cancelled context: %v", err)
	}
}

// TestSourceBatchesOutliveNothing reads a batch, keeps it past Close, and
// checks it is still whole and that releasing it frees everything.
func TestSourceBatchesOutliveNothing(t *testing.T) {
	dir, files := imageFolder(t)
	mem := sourcetest.CheckedAllocator(t)
	r, err := newSource(t, []string{dir}, 1).Open(context.Background(), 0, plan.ScanOptions{Allocator: mem})
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.Next(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	b.Retain()
	defer b.Release()
	if _, err := r.Next(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatal(err)
	}
	r.Close()
	if d := sourcetest.DiffRows(sourcetest.FormatRows(b), []string{files[0].row(dir), files[1].row(dir), files[2].row(dir), files[3].row(dir), files[4].row(dir), files[5].row(dir)}); d != "" {
		t.Fatal(d)
	}
}

func TestSourceString(t *testing.T) {
	dir, _ := sameImages(t, 10)
	src := newSource(t, []string{dir}, 2)
	if got, want := src.String(), "image [path, format, width, height, size, bytes] 10 files, 2 partitions"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	narrowed := project(t, src, "width", "path").(plan.LimitingSource).WithLimit(5)
	if got, want := narrowed.String(), "image [path, width] 10 files, 2 partitions, limit 5"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	one := newSource(t, []string{filepath.Join(dir, "img-00.png")}, 4)
	if got, want := one.String(), "image [path, format, width, height, size, bytes] 1 file, 1 partition"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if _, err := src.Project([]string{"path", "pixels"}); err == nil || !strings.HasPrefix(err.Error(), "imageio: ") {
		t.Errorf("projecting a missing column: %v", err)
	}
}

// TestSourceTravels encodes a plan reading images, decodes it as another
// process would, and checks the decoded scan reads the same rows from the
// same partitions.
func TestSourceTravels(t *testing.T) {
	dir, _ := imageFolder(t)
	src := newSource(t, []string{dir}, 4)
	scan := &plan.Scan{Source: project(t, src, "path", "format", "height").(plan.LimitingSource).WithLimit(1)}
	data, err := plan.Marshal(scan)
	if err != nil {
		t.Fatal(err)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if plan.Explain(back) != plan.Explain(scan) {
		t.Fatalf("decoded\n%s\nwant\n%s", plan.Explain(back), plan.Explain(scan))
	}
	got := back.(*plan.Scan).Source
	if !got.Schema().Equal(scan.Source.Schema()) || got.Partitions() != 4 {
		t.Fatalf("decoded source: schema %s, %d partitions", got.Schema(), got.Partitions())
	}
	want := sourcetest.MustScan(t, scan.Source, plan.ScanOptions{})
	res := sourcetest.MustScan(t, got, plan.ScanOptions{})
	if d := sourcetest.DiffRows(res.Rows, want.Rows); d != "" {
		t.Fatal(d)
	}
	if len(res.Rows) != 4 {
		t.Fatalf("%d rows from 4 partitions with limit 1", len(res.Rows))
	}
	// A tampered configuration is an error, not a read out of range.
	one, err := plan.Marshal(&plan.Scan{Source: newSource(t, []string{dir}, 1)})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(one, []byte("[[0,6]]")) {
		t.Fatalf("no partition [0,6] in %s", one)
	}
	if _, err := plan.Unmarshal(bytes.Replace(one, []byte("[[0,6]]"), []byte("[[0,9]]"), 1)); err == nil {
		t.Fatal("decoded a partition past the files")
	}
}

// TestSourceReadsCatsDogs reads the shared cats-and-dogs sample: 100 JPEGs
// (and a labels.csv that is skipped).
func TestSourceReadsCatsDogs(t *testing.T) {
	dir := shared.Path(t, "data/catsdogs")
	src := project(t, newSource(t, []string{dir}, 4), "path", "format", "width", "height")
	res := sourcetest.MustScan(t, src, plan.ScanOptions{BatchRows: 16})
	if len(res.Rows) != 100 {
		t.Fatalf("%d rows, want 100", len(res.Rows))
	}
	for i := range res.Rows {
		if res.Cols[1][i] != `"jpeg"` {
			t.Errorf("%s: format %s", res.Cols[0][i], res.Cols[1][i])
		}
		w, err := strconv.Atoi(res.Cols[2][i])
		if err != nil || w < 98 || w > 500 {
			t.Errorf("%s: width %s", res.Cols[0][i], res.Cols[2][i])
		}
	}
}
