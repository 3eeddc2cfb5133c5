//go:build peers

package csvio_test

// A local-only survey of DuckDB's own CSV test files (data/csv of
// github.com/duckdb/duckdb, which is not committed here nor fetched in
// CI): every file is read by ember with the dialect DuckDB's sniffer
// finds in it, and by DuckDB's read_csv with that same dialect, and the
// outcomes are counted. Run it with
//
//	EMBER_PEER_DUCKDB_CSV=/tmp/peers/duckdb-csv go test -tags peers -run TestPeerDuckDBCSV -v ./io/csvio
//
// where the directory holds data/csv (git archive HEAD data/csv | tar -x).
// EMBER_PEER_REPORT names a file to write every file's outcome to.

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/duckdbtest"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

// The outcomes of one file.
const (
	peerAgree       = "agree"
	peerBothRefuse  = "both refuse"
	peerEmberClear  = "ember refuses with a clear error (DuckDB reads)"
	peerDuckRefuses = "DuckDB refuses (ember reads)"
	peerMismatch    = "mismatch"
	peerBlankLines  = "same rows but DuckDB's NULL rows for blank lines"
	peerCrash       = "crash (panic or hang)"
)

// sniffed is the dialect sniff_csv reports.
type sniffed struct {
	delim, quote, escape, comment string
	skip                          int
	header                        bool
}

func TestPeerDuckDBCSV(t *testing.T) {
	root := os.Getenv("EMBER_PEER_DUCKDB_CSV")
	if root == "" {
		t.Skip("EMBER_PEER_DUCKDB_CSV is not set")
	}
	var paths []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			paths = append(paths, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	if only := os.Getenv("EMBER_PEER_ONLY"); only != "" {
		var keep []string
		for _, p := range paths {
			if strings.Contains(p, only) {
				keep = append(keep, p)
			}
		}
		paths = keep
	}
	t.Logf("%d files under %s", len(paths), root)

	// A file in another charset (its name says which) is read by ember
	// with the encoding option, and by DuckDB transcoded to UTF-8 by
	// Python's codec (DuckDB reads only UTF-8, UTF-16 and Latin-1 without
	// its encodings extension, which is not installed here).
	duckPaths := slices.Clone(paths)
	encodings := make([]string, len(paths))
	tmp := t.TempDir()
	for i, p := range paths {
		ember, codec := peerEncoding(p)
		if codec == "" {
			continue
		}
		encodings[i] = ember
		duckPaths[i] = filepath.Join(tmp, fmt.Sprintf("%d.csv", i))
		transcode(t, p, duckPaths[i], codec)
	}
	sniffs := make([]string, len(paths))
	for i := range paths {
		sniffs[i] = "SELECT Delimiter, Quote, Escape, Comment, SkipRows, HasHeader FROM sniff_csv(" + duckdbtest.String(duckPaths[i]) + ")"
	}
	sniffResults := duckdbtest.Run(t, sniffs...)
	dialects := make([]*sniffed, len(paths))
	reads := make([]string, len(paths))
	for i := range paths {
		r := sniffResults[i]
		if r.Error != "" || len(r.Rows) != 1 {
			reads[i] = "SELECT 'no dialect'"
			continue
		}
		row := r.Rows[0]
		d := &sniffed{delim: str(row[0]), quote: str(row[1]), escape: str(row[2]), comment: str(row[3]), header: row[5] == true}
		d.skip, _ = strconv.Atoi(fmt.Sprint(row[4]))
		dialects[i] = d
		reads[i] = fmt.Sprintf("SELECT * FROM read_csv(%s, all_varchar=true, allow_quoted_nulls=false, hive_partitioning=false, header=%t, delim=%s, quote=%s, escape=%s, comment=%s, skip=%d)",
			duckdbtest.String(duckPaths[i]), d.header, duckdbtest.String(d.delim), duckdbtest.String(d.quote), duckdbtest.String(d.escape), duckdbtest.String(d.comment), d.skip)
	}
	readResults := duckdbtest.Run(t, reads...)

	counts := map[string]int{}
	byOutcome := map[string][]string{}
	var report strings.Builder
	for i, p := range paths {
		rel, _ := filepath.Rel(root, p)
		var duck table
		duckErr := sniffResults[i].Error
		if duckErr == "" && dialects[i] != nil {
			duck, duckErr = duckTable(readResults[i])
		}
		opts, optErr := peerOptions(dialects[i], encodings[i])
		var ember table
		var emberErr error
		crashed := false
		if optErr != nil {
			emberErr = optErr
		} else {
			ember, emberErr, crashed = peerRead(p, opts)
		}
		var outcome, detail string
		switch {
		case crashed:
			outcome, detail = peerCrash, emberErr.Error()
		case emberErr != nil && duckErr != "":
			outcome, detail = peerBothRefuse, fmt.Sprintf("ember: %v | DuckDB: %s", emberErr, firstLine(duckErr))
		case emberErr != nil:
			outcome, detail = peerEmberClear, emberErr.Error()
			if !strings.Contains(emberErr.Error(), "csvio: ") {
				outcome = peerMismatch
				detail = "unclear error: " + detail
			}
		case duckErr != "":
			outcome, detail = peerDuckRefuses, firstLine(duckErr)
		default:
			outcome, detail = compareTables(ember, duck, dialects[i] != nil && dialects[i].header)
		}
		counts[outcome]++
		byOutcome[outcome] = append(byOutcome[outcome], rel+": "+detail)
		fmt.Fprintf(&report, "%s\t%s\t%s\t%+v\n", outcome, rel, oneLine(detail), dialects[i])
	}
	for _, o := range []string{peerAgree, peerBlankLines, peerBothRefuse, peerEmberClear, peerDuckRefuses, peerMismatch, peerCrash} {
		t.Logf("%-50s %d", o, counts[o])
	}
	for _, o := range []string{peerMismatch, peerCrash, peerEmberClear, peerDuckRefuses} {
		for _, line := range byOutcome[o] {
			t.Logf("%s: %s", o, oneLine(line))
		}
	}
	if out := os.Getenv("EMBER_PEER_REPORT"); out != "" {
		if err := os.WriteFile(out, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if counts[peerCrash] > 0 {
		t.Errorf("%d files crashed the reader", counts[peerCrash])
	}
}

func str(v any) string {
	s, _ := v.(string)
	if s == "(empty)" {
		return ""
	}
	return s
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", "⏎")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// peerOptions gives ember DuckDB's sniffed dialect through the Spark
// option names, so that what ember cannot take is its own error; without
// a dialect (DuckDB's sniffer failed) it reads with a header and commas.
func peerOptions(d *sniffed, encoding string) (csvio.Options, error) {
	kv := map[string]string{"mode": "FAILFAST", "header": "true", "encoding": encoding}
	if d != nil {
		kv["header"] = strconv.FormatBool(d.header)
		kv["sep"] = d.delim
		kv["quote"] = d.quote
		if d.escape != "" {
			kv["escape"] = d.escape
		} else if d.quote != "" {
			kv["escape"] = d.quote
		}
		kv["comment"] = d.comment
		kv["skipRows"] = strconv.Itoa(d.skip)
	}
	return csvio.ParseOptions(kv)
}

// peerRead reads the file at path with o as readTable does, as one split,
// turning a panic or a read that takes over a minute into a crash.
func peerRead(path string, o csvio.Options) (tb table, err error, crashed bool) {
	defer func() {
		if p := recover(); p != nil {
			err, crashed = fmt.Errorf("panic: %v\n%s", p, debug.Stack()), true
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	src, err := csvio.NewSource([]string{path}, nil, o)
	if err != nil {
		return table{}, err, false
	}
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	tb.names = names(src.Schema())
	for p := range src.Partitions() {
		r, err := src.Open(ctx, p, plan.ScanOptions{Allocator: mem})
		if err != nil {
			return table{}, err, false
		}
		for {
			b, err := r.Next(ctx)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				r.Close()
				return table{}, err, errors.Is(err, context.DeadlineExceeded)
			}
			for i := range int(b.NumRows()) {
				row := make([]string, b.NumCols())
				for k := range row {
					row[k] = sourcetest.FormatCell(b.Column(k), i)
				}
				tb.rows = append(tb.rows, row)
			}
		}
		r.Close()
	}
	if n := mem.CurrentAlloc(); n != 0 {
		return tb, fmt.Errorf("%d bytes of Arrow memory leaked", n), true
	}
	return tb, nil, false
}

// compareTables says whether ember's and DuckDB's readings agree: the
// same rows, and the same header names where the file has a header and
// neither reader made names up (empty or repeated ones).
func compareTables(ember, duck table, header bool) (string, string) {
	if len(ember.names) == 1 && len(duck.names) == 1 && len(duck.rows) > len(ember.rows) {
		// Spark, and so ember, skip blank lines; DuckDB reads each blank
		// line of a one-column file as a NULL row.
		var kept table
		kept.names = duck.names
		for _, r := range duck.rows {
			if r[0] != "NULL" {
				kept.rows = append(kept.rows, r)
			}
		}
		if sameRows(ember, kept) == "" {
			return peerBlankLines, fmt.Sprintf("%d NULL rows", len(duck.rows)-len(kept.rows))
		}
	}
	if d := sameRows(ember, duck); d != "" {
		return peerMismatch, d
	}
	if header {
		for k := range ember.names {
			if ember.names[k] != duck.names[k] && !strings.HasPrefix(ember.names[k], "_c") {
				return peerAgree, fmt.Sprintf("same rows; column %d named %q by ember, %q by DuckDB", k+1, ember.names[k], duck.names[k])
			}
		}
	}
	return peerAgree, ""
}

// sameRows describes how two readings' rows differ; "" when they do not.
func sameRows(ember, duck table) string {
	if len(ember.rows) != len(duck.rows) || len(ember.names) != len(duck.names) {
		return fmt.Sprintf("ember %d rows × %d columns, DuckDB %d × %d; ember %s | DuckDB %s",
			len(ember.rows), len(ember.names), len(duck.rows), len(duck.names), head(ember), head(duck))
	}
	for i := range ember.rows {
		for k := range ember.rows[i] {
			if ember.rows[i][k] != duck.rows[i][k] {
				return fmt.Sprintf("row %d column %d: ember %s, DuckDB %s", i+1, k+1, ember.rows[i][k], duck.rows[i][k])
			}
		}
	}
	return ""
}

// peerEncoding says, from a file's name, the charset of a file in
// another one: its ember encoding and its Python codec; "" for UTF-8.
func peerEncoding(path string) (ember, python string) {
	name := strings.ToLower(filepath.Base(path))
	switch {
	case strings.Contains(name, "latin1"):
		return "ISO-8859-1", "latin-1"
	case strings.Contains(name, "utf16"):
		return "UTF-16", "utf-16"
	case strings.Contains(name, "shift_jis"):
		return "Shift_JIS", "shift_jis"
	}
	return "", ""
}

// transcode writes the file at from, decompressed when gzipped, decoded
// with Python's codec, to to in UTF-8.
func transcode(t *testing.T, from, to, codec string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(from, ".gz") {
		z, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if data, err = io.ReadAll(z); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("python3", "-c", "import sys; sys.stdout.buffer.write(sys.stdin.buffer.read().decode(sys.argv[1], 'replace').encode('utf-8'))", codec)
	cmd.Stdin = bytes.NewReader(data)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python3 decoding %s as %s: %v", from, codec, err)
	}
	if err := os.WriteFile(to, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

func head(tb table) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%q", tb.names)
	for i, r := range tb.rows {
		if i == 2 {
			b.WriteString(" …")
			break
		}
		fmt.Fprintf(&b, " [%s]", strings.Join(r, ","))
	}
	return b.String()
}
