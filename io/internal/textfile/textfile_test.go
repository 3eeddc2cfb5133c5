package textfile

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/ember-df/ember/storage"
)

func TestMakeSplits(t *testing.T) {
	gz := storage.CodecForPath("x.gz")
	files := []File{{Path: "a.csv", Size: 10}, {Path: "b.csv.gz", Size: 7, Codec: gz}, {Path: "c.csv"}, {Path: "d.csv", Size: 4}}
	got := MakeSplits(files, 4, 4)
	want := []Split{
		{File: 0, Start: 0, End: 4}, {File: 0, Start: 4, End: 8}, {File: 0, Start: 8, End: 10},
		{File: 1, End: Unbounded, First: 3},
		{File: 2, First: 4},
		{File: 3, End: 4, First: 5},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("MakeSplits = %v\nwant %v", got, want)
	}
	if n := Note(files); n != " (gzip: not split)" {
		t.Errorf("Note = %q", n)
	}
	if n := Note(files[:1]); n != "" {
		t.Errorf("Note(plain) = %q", n)
	}
}

func TestStream(t *testing.T) {
	ctx := context.Background()
	t.Cleanup(func() { storage.DropMemBucket("textfile") })
	var data bytes.Buffer
	for i := 0; data.Len() < 3<<20; i++ {
		fmt.Fprintf(&data, "%d,%d\n", i, i*i)
	}
	for _, name := range []string{"gzip", "zstd", "snappy"} {
		c, _ := storage.CodecByName(name)
		var z bytes.Buffer
		w, _ := c.NewWriter(&z)
		w.Write(data.Bytes())
		w.Close()
		path := "mem://textfile/x.csv." + c.Extension()
		if err := storage.WriteFile(ctx, path, z.Bytes()); err != nil {
			t.Fatal(err)
		}
		f, err := Open(ctx, File{Path: path, Size: int64(z.Len()), Codec: c})
		if err != nil {
			t.Fatal(err)
		}
		if f.Size() != Unbounded {
			t.Errorf("Size = %d", f.Size())
		}
		before := storage.ReadStatsOf("mem").Opens
		// The CSV reader's pattern: the head, then from 0 again in blocks.
		head := make([]byte, 4096)
		if n, err := f.ReadAt(head, 0); n != 4096 || err != nil || !bytes.Equal(head, data.Bytes()[:4096]) {
			t.Fatalf("%s: head: %d, %v", name, n, err)
		}
		var got []byte
		block := make([]byte, 1<<20)
		for off := int64(0); ; off += int64(len(block)) {
			n, err := f.ReadAt(block, off)
			got = append(got, block[:n]...)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if !bytes.Equal(got, data.Bytes()) {
			t.Errorf("%s: read %d bytes, want %d", name, len(got), data.Len())
		}
		if opens := storage.ReadStatsOf("mem").Opens - before; opens != 1 {
			t.Errorf("%s: opened the file %d times, want once", name, opens)
		}
		// Random reads, backward ones reopen.
		rng := rand.New(rand.NewPCG(1, 2))
		for range 20 {
			off := rng.Int64N(int64(data.Len()) + 100)
			p := make([]byte, rng.IntN(200<<10))
			n, err := f.ReadAt(p, off)
			end := min(off+int64(len(p)), int64(data.Len()))
			want := data.Bytes()[min(off, end):end]
			if n != len(want) || !bytes.Equal(p[:n], want) || (n < len(p)) != (err == io.EOF) {
				t.Fatalf("%s: ReadAt(%d at %d) = %d, %v; want %d", name, len(p), off, n, err, len(want))
			}
		}
		f.Close()
	}
}

func TestStreamTruncated(t *testing.T) {
	ctx := context.Background()
	t.Cleanup(func() { storage.DropMemBucket("textfile-trunc") })
	c, _ := storage.CodecByName("gzip")
	var z bytes.Buffer
	w, _ := c.NewWriter(&z)
	w.Write(bytes.Repeat([]byte("a,b\n"), 100000))
	w.Close()
	path := "mem://textfile-trunc/x.csv.gz"
	storage.WriteFile(ctx, path, z.Bytes()[:z.Len()/2])
	f, _ := Open(ctx, File{Path: path, Size: int64(z.Len() / 2), Codec: c})
	defer f.Close()
	_, err := f.ReadAt(make([]byte, 1<<20), 0)
	if err == nil || err.Error() != "gzip: unexpected EOF" {
		t.Errorf("err = %v, want gzip: unexpected EOF", err)
	}
}
