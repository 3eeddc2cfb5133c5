package parquetio_test

import (
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
)

func TestCorruptFiles(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.parquet")
	writeFile(t, good, nested, nestedJSON, parquetio.Options{Compression: "snappy", RowGroupRows: 3})
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	footer := int(binary.LittleEndian.Uint32(data[len(data)-8:]))
	// A footer without its pages, which are larger than it: its column
	// chunks lie past the end of the file.
	ids, err := os.ReadFile(writeIDs(t, dir, 2000, 1000))
	if err != nil {
		t.Fatal(err)
	}
	idsFooter := int(binary.LittleEndian.Uint32(ids[len(ids)-8:]))
	noPages := append([]byte("PAR1"), ids[len(ids)-8-idsFooter:]...)
	// One byte of the list column's levels changed (found by FuzzPages):
	// pqarrow builds list offsets that run past the list's values.
	badLevels := append([]byte(nil), data...)
	badLevels[4+995%(len(data)-8-footer-4)] = '1'

	for _, tc := range []struct {
		name    string
		data    []byte
		atOpen  bool   // NewSource fails, not the read
		message string // in the error
	}{
		{"no pages", noPages, true, "past the end"},
		{"bad levels", badLevels, false, "column embedding"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := checkedAllocator(t)
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-")+".parquet")
			if err := os.WriteFile(path, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			src, err := parquetio.NewSource([]string{path}, parquetio.DefaultOptions())
			if err == nil {
				if tc.atOpen {
					t.Fatal("NewSource accepted the file")
				}
				_, err = scanErr(src, plan.ScanOptions{Allocator: mem})
			}
			if !errors.Is(err, parquetio.ErrCorrupt) || !strings.Contains(err.Error(), path) ||
				!strings.HasPrefix(err.Error(), "parquetio: ") || !strings.Contains(err.Error(), tc.message) {
				t.Fatalf("err = %v, want ErrCorrupt naming %s and %q", err, path, tc.message)
			}
		})
	}
}
