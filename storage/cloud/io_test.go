package cloud_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/widetable"
	"github.com/ember-df/ember/io/imageio"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
	"github.com/ember-df/ember/storage/cloud/s3test"
)

var ctx = context.Background()

// session is a session whose allocator must end the test empty.
func session(t *testing.T) *frame.Session {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	sess := frame.NewSession(frame.WithAllocator(mem))
	t.Cleanup(func() {
		sess.Close()
		mem.AssertSize(t, 0)
	})
	return sess
}

func put(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := storage.WriteFile(ctx, path, data); err != nil {
		t.Fatal(err)
	}
}

// rows collects df and prints its rows, sorted.
func rows(t *testing.T, df *frame.DataFrame) []string {
	t.Helper()
	tbl, err := df.Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	tr := array.NewTableReader(tbl, 1<<20)
	defer tr.Release()
	var out []string
	for tr.Next() {
		b := tr.RecordBatch()
		for i := range int(b.NumRows()) {
			cells := make([]string, b.NumCols())
			for c, col := range b.Columns() {
				cells[c] = col.ValueStr(i)
			}
			out = append(out, strings.Join(cells, ","))
		}
	}
	slices.Sort(out)
	return out
}

func csvText(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,name,score\n")
	for i := range n {
		fmt.Fprintf(&b, "%d,\"name, %d\",%.2f\n", i, i, float64(i)/7)
	}
	return b.Bytes()
}

func compress(t *testing.T, codec string, data []byte) []byte {
	t.Helper()
	c, err := storage.CodecByName(codec)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, _ := c.NewWriter(&buf)
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

var codecs = []string{"gzip", "bzip2", "zstd", "lz4", "snappy", "deflate"}

// TestCSV reads CSV from s3://, plain and with every codec, by name, by
// glob and together with an https-style URL, as a new user would.
func TestCSV(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	text := csvText(3000)
	put(t, srv.URL("csv/plain/data.csv"), text)
	read := func(paths ...string) *frame.DataFrame {
		return sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(paths...)
	}
	want := rows(t, read(srv.URL("csv/plain/data.csv")))
	if len(want) != 3000 {
		t.Fatalf("%d rows", len(want))
	}
	for _, codec := range codecs {
		c, _ := storage.CodecByName(codec)
		path := srv.URL("csv/" + codec + "/data.csv." + c.Extension())
		put(t, path, compress(t, codec, text))
		df := read(path)
		if !slices.Equal(rows(t, df), want) {
			t.Errorf("%s: rows differ from the plain file's", codec)
		}
		if note := "(" + codec + ": not split)"; !strings.Contains(df.Explain(), note) {
			t.Errorf("%s: Explain does not say %s:\n%s", codec, note, df.Explain())
		}
	}
	// The example: a glob of gzip files in S3 and a file over HTTP.
	local := t.TempDir()
	os.WriteFile(filepath.Join(local, "extra.csv"), []byte("id,name,score\n-1,extra,0.5\n"), 0o644)
	web := httptest.NewServer(http.FileServer(http.Dir(local)))
	defer web.Close()
	put(t, srv.URL("in/a.csv.gz"), compress(t, "gzip", text))
	put(t, srv.URL("in/b.csv.gz"), compress(t, "gzip", text))
	put(t, srv.URL("in/_SUCCESS"), nil)
	n, err := read(srv.URL("in/*.csv.gz"), web.URL+"/extra.csv").Count(ctx)
	if err != nil || n != 6001 {
		t.Errorf("glob + http: %d rows, %v; want 6001", n, err)
	}
	n, err = read(srv.URL("csv")).Count(ctx) // a directory: every codec's file
	if err != nil || n != 7*3000 {
		t.Errorf("directory: %d rows, %v; want %d", n, err, 7*3000)
	}
	// A truncated file is an error naming it.
	gz := compress(t, "gzip", text)
	put(t, srv.URL("bad/data.csv.gz"), gz[:len(gz)/2])
	_, err = read(srv.URL("bad/data.csv.gz")).Count(ctx)
	if want := fmt.Sprintf("reading %q: gzip: unexpected EOF", srv.URL("bad/data.csv.gz")); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("truncated: %v, want an error with %s", err, want)
	}
}

func TestJSON(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	var text bytes.Buffer
	for i := range 2000 {
		fmt.Fprintf(&text, "{\"id\": %d, \"tags\": [\"t%d\"], \"score\": %.1f}\n", i, i%5, float64(i)/3)
	}
	put(t, srv.URL("json/data.json"), text.Bytes())
	put(t, srv.URL("json/data.json.zst"), compress(t, "zstd", text.Bytes()))
	plain := rows(t, sess.Read().JSON(srv.URL("json/data.json")))
	zst := rows(t, sess.Read().JSON(srv.URL("json/*.zst")))
	if len(plain) != 2000 || !slices.Equal(plain, zst) {
		t.Errorf("plain %d rows, zstd %d rows, or they differ", len(plain), len(zst))
	}
}

// wideParquet is a Parquet file of widetable's rows rows.
func wideParquet(t *testing.T, rows int) []byte {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	rec := widetable.New(mem, rows, 7)
	defer rec.Release()
	return encode(t, parquetio.Format{Options: parquetio.DefaultOptions()}, rec)
}

func encode(t *testing.T, f plan.FileFormat, rec arrow.RecordBatch) []byte {
	var buf bytes.Buffer
	w, err := f.NewWriter(&buf, rec.Schema())
	if err != nil {
		t.Fatal(err)
	}
	if err := w.Write(rec); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestParquetRangedRead reads 2 of 20 columns from S3: the footer and
// the two columns' chunks are fetched, well under half of the object.
func TestParquetRangedRead(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	data := wideParquet(t, 200_000)
	put(t, srv.URL("wide/data.parquet"), data)
	before := storage.ReadStatsOf("s3")
	got := rows(t, sess.Read().Parquet(srv.URL("wide/data.parquet")).Select("c3", "c17"))
	after := storage.ReadStatsOf("s3")
	if len(got) != 200_000 {
		t.Fatalf("%d rows", len(got))
	}
	fetched := after.Bytes - before.Bytes
	t.Logf("2 of 20 columns: fetched %d of %d bytes (%.1f%%) in %d requests", fetched, len(data),
		100*float64(fetched)/float64(len(data)), after.Opens-before.Opens)
	if fetched > int64(len(data))/4 {
		t.Errorf("fetched %d of %d bytes, want well under half", fetched, len(data))
	}
}

func TestArrow(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	s := arrow.NewSchema([]arrow.Field{{Name: "id", Type: arrow.PrimitiveTypes.Int64}, {Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	rec, _, err := array.RecordFromJSON(mem, s, strings.NewReader(`[{"id": 1, "s": "a"}, {"id": 2, "s": "b"}]`))
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Release()
	for _, layout := range []ipcio.Layout{ipcio.LayoutFile, ipcio.LayoutStream} {
		o := ipcio.DefaultOptions()
		o.Layout = layout
		put(t, srv.URL(fmt.Sprintf("arrow/%s/part.arrow", layout)), encode(t, ipcio.Format{Options: o}, rec))
	}
	got := rows(t, sess.Read().Option("format", "auto").Arrow(srv.URL("arrow")))
	if want := []string{"1,a", "1,a", "2,b", "2,b"}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
}

func TestImages(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	for i := range 5 {
		img := image.NewNRGBA(image.Rect(0, 0, 8+i, 6))
		for p := range img.Pix {
			img.Pix[p] = byte(p * (i + 3))
		}
		img.Set(0, 0, color.White)
		var buf bytes.Buffer
		png.Encode(&buf, img)
		put(t, srv.URL(fmt.Sprintf("images/%d/img.png", i)), buf.Bytes())
	}
	put(t, srv.URL("images/notes.txt"), []byte("not an image"))
	df := sess.Read().Images(srv.URL("images"))
	got := rows(t, df.Select("format", "width", "height"))
	if want := []string{"png,10,6", "png,11,6", "png,12,6", "png,8,6", "png,9,6"}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	// Tensor reads the images the path column names, from S3.
	tbl, err := df.Select(frame.Col("path"), frame.Column{Expr: imageio.Tensor("path", imageio.Resize(4, 4, imageio.Bilinear))}.As("t")).Collect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != 5 || tbl.Column(1).NullN() != 0 {
		t.Errorf("%d tensors, %d not decoded", tbl.NumRows(), tbl.Column(1).NullN())
	}
}

// TestHive discovers partition directories in S3 and prunes them.
func TestHive(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	put(t, srv.URL("hive/year=2024/country=FR/part-0.csv"), []byte("x\n1\n2\n"))
	put(t, srv.URL("hive/year=2024/country=DE/part-0.csv"), []byte("x\n3\n"))
	put(t, srv.URL("hive/year=2025/country=FR/part-0.csv"), []byte("x\n4\n"))
	put(t, srv.URL("hive/_SUCCESS"), nil)
	put(t, srv.URL("hive/_temporary/0/year=2026/country=FR/part-0.csv"), []byte("x\n9\n"))
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(srv.URL("hive"))
	if got, want := rows(t, df), []string{"1,2024,FR", "2,2024,FR", "3,2024,DE", "4,2025,FR"}; !slices.Equal(got, want) {
		t.Errorf("rows %v, want %v", got, want)
	}
	pruned := df.Filter(frame.Col("year").Eq(int64(2025)))
	if !strings.Contains(pruned.Explain(), "1 of 3 directories") {
		t.Errorf("not pruned:\n%s", pruned.Explain())
	}
	if got := rows(t, pruned); !slices.Equal(got, []string{"4,2025,FR"}) {
		t.Errorf("pruned rows %v", got)
	}
}

// TestWriteThenRead writes through the executor's object-store commit and
// reads back: the readers follow the _SUCCESS manifest, so a stray part
// file of another job is not read; compressed CSV parts carry the codec's
// extension.
func TestWriteThenRead(t *testing.T) {
	srv := s3test.Start(t)
	sess := session(t)
	put(t, srv.URL("in/data.csv"), csvText(5000))
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(srv.URL("in/data.csv"))
	want := rows(t, df)
	out := srv.URL("out")
	if err := df.Repartition(3).Write().Mode(frame.Overwrite).Parquet(ctx, out); err != nil {
		t.Fatal(err)
	}
	put(t, srv.URL("out/part-00009-stray.parquet"), []byte("not parquet: a killed job's leftover"))
	if got := rows(t, sess.Read().Parquet(out)); !slices.Equal(got, want) {
		t.Errorf("Parquet round trip: %d rows, want %d", len(got), len(want))
	}
	csvOut := srv.URL("out-csv")
	if err := df.Write().Mode(frame.Overwrite).Option("header", "true").Option("compression", "gzip").CSV(ctx, csvOut); err != nil {
		t.Fatal(err)
	}
	parts, err := storage.Glob(ctx, csvOut+"/part-*.csv.gz")
	if err != nil || len(parts) == 0 {
		t.Fatalf("no part-*.csv.gz files: %v, %v", parts, err)
	}
	back := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(csvOut)
	if got := rows(t, back); !slices.Equal(got, want) {
		t.Errorf("gzip CSV round trip: %d rows, want %d", len(got), len(want))
	}
}
