package harness

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestScanParts(t *testing.T) {
	const header = "a,b"
	tests := []struct {
		name     string
		files    map[string]string // part file name → contents
		wantRows []string          // fields joined with "|", in order
		wantErr  string
	}{
		{
			name:     "parts in name order",
			files:    map[string]string{"part-00001.csv": "a,b\n3,4\n", "part-00000.csv": "a,b\n1,2\n", "_SUCCESS": "", "other.csv": "x\n"},
			wantRows: []string{"1|2", "3|4"},
		},
		{
			name:     "quotes, CRLF, no final newline, header only",
			files:    map[string]string{"part-0.csv": "\"a\",\"b\"\r\n\"1\",2\r\n5,6", "part-1.csv": "a,b\n"},
			wantRows: []string{"1|2", "5|6"},
		},
		{name: "no parts", files: map[string]string{"_SUCCESS": ""}, wantErr: "no part-*.csv files"},
		{name: "empty file", files: map[string]string{"part-0.csv": ""}, wantErr: "part-0.csv: empty file"},
		{name: "wrong header", files: map[string]string{"part-0.csv": "a,c\n1,2\n"}, wantErr: `part-0.csv: header is "a,c", want "a,b"`},
		{name: "too few fields", files: map[string]string{"part-0.csv": "a,b\n1,2\n3\n"}, wantErr: "part-0.csv: line 3: want 2 fields"},
		{name: "too many fields", files: map[string]string{"part-0.csv": "a,b\n1,2,3\n"}, wantErr: "line 2: want 2 fields"},
		{name: "row error", files: map[string]string{"part-7.csv": "a,b\n1,2\nbad,2\n"}, wantErr: "part-7.csv: line 3: bad row"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			var rows []string
			_, err := ScanParts(dir, header, func(fields []string) error {
				if fields[0] == "bad" {
					return errors.New("bad row")
				}
				rows = append(rows, strings.Join(fields, "|"))
				return nil
			})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ScanParts error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rows, tc.wantRows) {
				t.Fatalf("rows %q, want %q", rows, tc.wantRows)
			}
		})
	}
}
