package ipcio_test

import (
	"io"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/fuzzwatch"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

// fuzzSeeds are sound files and streams of many types and codecs, and a
// few broken ones, for the fuzzer to mutate: ember's writer's, and one
// file of every case of the conformance corpus written by arrow-go's
// writers (files and streams, every codec, in turn), so that fuzzing
// starts from every type.
func fuzzSeeds(f testing.TB) [][]byte {
	mem := memory.NewGoAllocator()
	all := fromJSON(f, mem, allTypes, allTypesRows)
	defer all.Release()
	small := numbered(mem, 0, 3, 4)
	defer release(small)
	dictType := &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int8, ValueType: tString}
	db := array.NewDictionaryBuilder(mem, dictType).(*array.BinaryDictionaryBuilder)
	defer db.Release()
	db.AppendString("a")
	db.AppendNull()
	db.AppendString("b")
	db.AppendString("a")
	dict := db.NewArray()
	defer dict.Release()
	dictSchema := schema("d", dictType)
	dictBatch := array.NewRecordBatch(dictSchema, []arrow.Array{dict}, 4)
	defer dictBatch.Release()

	var out [][]byte
	for _, l := range layouts {
		for _, c := range []ipcio.Compression{ipcio.Uncompressed, ipcio.LZ4, ipcio.Zstd} {
			o := options(l, c)
			out = append(out, encode(f, o, allTypes, all), encode(f, o, small[0].Schema(), small...),
				encode(f, o, dictSchema, dictBatch))
		}
		out = append(out, encode(f, options(l, ""), allTypes))
	}
	for i, c := range conformanceCases() {
		layout := layouts[i%len(layouts)]
		if c.streamsOnly {
			layout = ipcio.LayoutStream
		}
		out = append(out, writeReference(f, c, layout, referenceCodecs[i%len(referenceCodecs)].opts...))
	}
	good := out[1]
	out = append(out, nil, []byte("ARROW1"), []byte("ARROW1\x00\x00ARROW1"), good[:len(good)/2],
		[]byte("\xff\xff\xff\xff\x00\x00\x00\x00"), []byte("a,b\n1,2\n"))
	return out
}

// TestMain gives fuzzing runs a short -fuzzminimizetime: see fuzzwatch.
func TestMain(m *testing.M) { fuzzwatch.Main(m) }

// FuzzReader reads arbitrary bytes as an Arrow IPC file or stream: reading
// must never panic or leak (every scan runs on a checked allocator), and
// every error must be an ipcio error naming the file.
func FuzzReader(f *testing.F) {
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Fuzz(runFuzzInput)
}

func runFuzzInput(t *testing.T, data []byte) {
	defer fuzzwatch.Watch(t, data)()
	path := writeFile(t, t.TempDir(), "fuzz.arrow", data)
	named := func(l ipcio.Layout, err error) {
		if err != nil && (!strings.HasPrefix(err.Error(), "ipcio: ") || !strings.Contains(err.Error(), path)) {
			t.Fatalf("%s: error %q does not name the file", l, err)
		}
	}
	for _, l := range []ipcio.Layout{ipcio.LayoutAuto, ipcio.LayoutFile, ipcio.LayoutStream} {
		o := options(l, "")
		o.Partitions = 3
		src, err := ipcio.NewSource([]string{path}, o)
		named(l, err)
		if err != nil {
			continue
		}
		named(l, fuzzScan(t, src, plan.ScanOptions{BatchRows: 3}))
		if n := src.Schema().NumFields(); n > 0 {
			p, err := src.Project([]string{src.Schema().Field(n - 1).Name})
			if err != nil {
				t.Fatal(err)
			}
			named(l, fuzzScan(t, p.(*ipcio.Source).WithLimit(2), plan.ScanOptions{}))
		}
	}
}

// fuzzScan reads and prints the first rows of every partition of src (a
// null column may claim any number of rows at no cost in bytes), with a
// checked allocator, returning the first error.
func fuzzScan(t *testing.T, src plan.Source, so plan.ScanOptions) error {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	so.Allocator = mem
	for p := range src.Partitions() {
		r, err := src.Open(ctx, p, so)
		if err != nil {
			return err
		}
		for rows := 0; rows < 1000; {
			b, err := r.Next(ctx)
			if err != nil {
				r.Close()
				if err == io.EOF {
					break
				}
				return err
			}
			head := b.NewSlice(0, min(b.NumRows(), 10))
			formatRows(head)
			head.Release()
			rows += int(b.NumRows())
		}
		r.Close()
	}
	return nil
}
