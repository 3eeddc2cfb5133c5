package parquetio_test

import (
	"encoding/binary"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ember-df/ember/internal/testcorpus"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

// The inputs kept in testdata/fuzz run with every go test:
//
//	FuzzFooter/cf9cbb275c735f59  a codec arrow-go lacks: it leaked the page reader's buffers
//	FuzzFooter/3de0479d088995d1  ARROW:schema whose IPC body length asks for 32 GB (fatal OOM)
//	FuzzFooter/ecda549f402dcd31  ARROW:schema with a vector of 10^9 fields (fatal OOM)
//	FuzzPages/54b72ad1a5931b67   list levels giving offsets past the values (a panic later)
//	FuzzPages/f722e8dd1436273b   a shredded VARIANT's value bytes whose object header runs
//	                             past them: arrow-go's variant extension array handed them
//	                             out, and formatting the value panicked (checkVariants)
//
// and inputs on which arrow-go panics, recovered by parquetio:
//
//	FuzzFooter/1e09ffb10fa8a01b  nil page header (parquet/file/column_reader.go)
//	FuzzFooter/3d3f254d2e75a500  bad timestamp unit (parquet/schema/logical_types.go)
//	FuzzFooter/4c07556fad88023d  invalid logical type (parquet/schema/schema.go)
//	FuzzFooter/952d4b7c1484dd7a  columns of different lengths (pqarrow record batch)
//	FuzzFooter/ccb6cab321f68e83  makeslice: len out of range
//	FuzzFooter/ff94135fad867a4b  DELTA_LENGTH_BYTE_ARRAY on an integer column
//
// Run: go test -run=^$ -fuzz=FuzzFooter -fuzztime=60s ./io/parquetio (and
// FuzzPages); see TestMain for why minimization is capped. When fuzzing,
// both targets also start from the Parquet files of parquet-go's module
// testdata (corpusSeeds), written by many implementations.

// fuzzMaxRows caps the rows one fuzz input reads: corrupt metadata can
// claim any number of rows, and a count reads them from it.
const fuzzMaxRows = 1 << 16

// fuzzFiles are valid files to start from: ember's nested types
// uncompressed and snappy, dictionary-encoded strings in several row
// groups, and DuckDB's files. small keeps to files of a few KB, which
// the fuzzer can minimize.
func fuzzFiles(f testing.TB, small bool) [][]byte {
	dir := f.TempDir()
	none := parquetio.Options{Compression: "none", RowGroupRows: 2}
	snappy := parquetio.Options{Compression: "snappy", RowGroupRows: 3}
	writeFile(f, filepath.Join(dir, "nested.parquet"), nested, nestedJSON, none)
	writeFile(f, filepath.Join(dir, "nested-snappy.parquet"), nested, nestedJSON, snappy)
	paths := []string{filepath.Join(dir, "nested.parquet"), filepath.Join(dir, "nested-snappy.parquet"), duckDBSmallFile}
	if small {
		paths = append(paths, writeIDs(f, dir, 30, 10))
	} else {
		paths = append(paths, writeIDs(f, dir, 300, 100), duckDBFile)
	}
	var out [][]byte
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, data)
	}
	return out
}

// corpusSeeds returns the Parquet files of parquet-go's module testdata
// (most of apache/parquet-testing's, see TestConformanceParquetGoCorpus)
// of at most maxBytes, when the fuzzer runs (go test -fuzz): plain test
// runs read them in TestConformanceParquetGoCorpus, and do not need them
// as seeds. The module comes from the module proxy, not from copies here.
func corpusSeeds(f *testing.F, maxBytes int64) [][]byte {
	if fl := flag.Lookup("test.fuzz"); fl == nil || fl.Value.String() == "" {
		return nil
	}
	return corpusFiles(f, maxBytes)
}

// corpusFiles returns the Parquet files of parquet-go's module testdata
// of at most maxBytes, in the order of their paths.
func corpusFiles(t testing.TB, maxBytes int64) [][]byte {
	root := filepath.Join(testcorpus.Module(t, testcorpus.ParquetGo, testcorpus.ParquetGoVersion), "testdata")
	var out [][]byte
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".parquet") {
			return err
		}
		if info, err := d.Info(); err != nil || info.Size() > maxBytes {
			return err
		}
		data, err := os.ReadFile(path)
		out = append(out, data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// fuzzRead reads everything in the Parquet file data (all columns, and a
// count), formatting every value, and fails t on a
// leak or on an error that does not name the file. A panic fails the
// fuzzer by itself.
func fuzzRead(t *testing.T, data []byte) {
	path := filepath.Join(t.TempDir(), "fuzz.parquet")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	mem := newLeakCheckedAllocator()
	defer func() {
		if _, err := mem.leakCheck(); err != nil {
			t.Error(err)
		}
	}()
	checkErr := func(err error) {
		t.Helper()
		t.Log(err)
		if !strings.Contains(err.Error(), path) || !strings.HasPrefix(err.Error(), "parquetio: ") {
			t.Fatalf("error does not name the file %s: %v", path, err)
		}
	}
	src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
	if err != nil {
		checkErr(err)
		return
	}
	sources := []plan.Source{src}
	if p, err := src.Project(nil); err == nil {
		sources = append(sources, p)
	}
	ctx := t.Context()
	for _, s := range sources {
		rows := 0
		for p := 0; p < s.Partitions() && rows < fuzzMaxRows; p++ {
			r, err := s.Open(ctx, p, plan.ScanOptions{Allocator: mem, BatchRows: 64})
			if err != nil {
				checkErr(err)
				continue
			}
			for rows < fuzzMaxRows {
				b, err := r.Next(ctx)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					checkErr(err)
					break
				}
				rows += int(b.NumRows())
				// Every value must be readable: what the reader yields
				// goes to operators that trust its offsets and lengths.
				batchRows(b)
			}
			if err := r.Close(); err != nil {
				checkErr(err)
			}
		}
	}
}

// FuzzFooter reads arbitrary bytes as a whole Parquet file.
func FuzzFooter(f *testing.F) {
	// Corpus files of up to 64 KiB, which the fuzzer can still minimize.
	for _, base := range append(fuzzFiles(f, true), corpusSeeds(f, 64<<10)...) {
		f.Add(base)
		f.Add(base[:len(base)/2])
		f.Add(append([]byte("PAR1"), base[len(base)-8:]...))
	}
	f.Add([]byte("PAR1PAR1"))
	f.Add([]byte("PAR1\x00\x00\x00\x00PAR1"))
	f.Add([]byte{})
	f.Fuzz(fuzzRead)
}

// FuzzPages overwrites bytes inside the pages of valid files (between the
// leading magic and the footer, which stays intact, so the reader gets as
// far as decoding the pages) and reads the result.
func FuzzPages(f *testing.F) {
	bases := fuzzPagesBases(fuzzFiles(f, false), corpusSeeds(f, 1<<20))
	for i := range bases {
		for _, off := range []uint32{0, 7, 100, 1000} {
			f.Add(uint8(i), off, []byte{0xff})
			f.Add(uint8(i), off, []byte{0x00, 0x00, 0x00, 0x00})
			f.Add(uint8(i), off, []byte{0x7f, 0xff, 0xff, 0xff, 0x01})
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, off uint32, patch []byte) {
		if data := fuzzPagesInput(bases, which, off, patch); data != nil {
			fuzzRead(t, data)
		}
	})
}

// fuzzPagesBases are the files FuzzPages patches: its own, then the
// corpus's (only when fuzzing, see corpusSeeds).
func fuzzPagesBases(own, corpus [][]byte) [][]byte {
	bases := append(own, corpus...)
	return bases[:min(len(bases), 256)] // chosen by a uint8
}

// fuzzPagesInput is the file FuzzPages reads for its arguments, or nil
// for none.
func fuzzPagesInput(bases [][]byte, which uint8, off uint32, patch []byte) []byte {
	base := bases[int(which)%len(bases)]
	footer := int(binary.LittleEndian.Uint32(base[len(base)-8:]))
	end := len(base) - 8 - footer // where the footer starts
	if end <= 4 || len(patch) == 0 {
		return nil
	}
	data := append([]byte(nil), base...)
	pos := 4 + int(off%uint32(end-4))
	copy(data[pos:end], patch)
	return data
}

// TestFuzzPagesAsFuzzed replays FuzzPages's inputs in testdata/fuzz as the
// fuzzer found them: a plain go test runs them against FuzzPages's own
// files only, where -fuzz adds the corpus's files to the bases that the
// first argument chooses from, so an input found while fuzzing (like
// f722e8dd1436273b, a shredded VARIANT of the corpus) would otherwise
// patch another file.
func TestFuzzPagesAsFuzzed(t *testing.T) {
	seeds, err := filepath.Glob(filepath.Join("testdata", "fuzz", "FuzzPages", "*"))
	if err != nil {
		t.Fatal(err)
	}
	bases := fuzzPagesBases(fuzzFiles(t, false), corpusFiles(t, 1<<20))
	for _, seed := range seeds {
		t.Run(filepath.Base(seed), func(t *testing.T) {
			which, off, patch := readFuzzPagesSeed(t, seed)
			if data := fuzzPagesInput(bases, which, off, patch); data != nil {
				fuzzRead(t, data)
			}
		})
	}
}

// readFuzzPagesSeed parses a FuzzPages input file of the go fuzzing
// corpus format ("go test fuzz v1", then byte(…), uint32(…), []byte(…)).
func readFuzzPagesSeed(t *testing.T, path string) (which uint8, off uint32, patch []byte) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	arg := func(line, typ string) string {
		if !strings.HasPrefix(line, typ+"(") || !strings.HasSuffix(line, ")") {
			t.Fatalf("%s: %q is not a %s", path, line, typ)
		}
		return line[len(typ)+1 : len(line)-1]
	}
	if len(lines) != 4 || lines[0] != "go test fuzz v1" {
		t.Fatalf("%s is not a FuzzPages input", path)
	}
	r, err := strconv.Unquote(arg(lines[1], "byte"))
	if err != nil || len([]rune(r)) != 1 || []rune(r)[0] > 0xff {
		t.Fatalf("%s: bad byte %q: %v", path, lines[1], err)
	}
	n, err := strconv.ParseUint(arg(lines[2], "uint32"), 0, 32)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	p, err := strconv.Unquote(arg(lines[3], "[]byte"))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return uint8([]rune(r)[0]), uint32(n), []byte(p)
}
