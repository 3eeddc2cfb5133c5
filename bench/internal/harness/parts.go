package harness

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// ScanParts streams the part-*.csv files of a job's output directory, in
// name order, for a command's output check. Each file must start with the
// header line header (fields may be quoted); for every data line after it,
// row is called with the line's fields, quotes removed, which must number as
// many as the header's. fields is only valid during the call. Lines end in
// "\n" or "\r\n"; the data is plain numbers, so no other CSV quoting rules
// apply.
//
// It returns the number of part files; no part file is an error, and so is
// an error from row, which is returned prefixed with the file and line.
func ScanParts(dir, header string, row func(fields []string) error) (parts int, err error) {
	paths, err := filepath.Glob(filepath.Join(dir, "part-*.csv"))
	if err != nil {
		return 0, err
	}
	if len(paths) == 0 {
		return 0, fmt.Errorf("no part-*.csv files in %s", dir)
	}
	nfields := strings.Count(header, ",") + 1
	for _, p := range paths {
		if err := scanPart(p, header, nfields, row); err != nil {
			return len(paths), fmt.Errorf("%s: %w", filepath.Base(p), err)
		}
	}
	return len(paths), nil
}

// scanPart checks the header of one part file and passes its data lines to
// row.
func scanPart(path, header string, nfields int, row func([]string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()

	r := bufio.NewReaderSize(f, 1<<20)
	first, err := readLine(r)
	if err == io.EOF {
		return errors.New("empty file, want a header line")
	}
	if err != nil {
		return err
	}
	if h := unquoteFields(first); h != header {
		return fmt.Errorf("header is %q, want %q", h, header)
	}

	fields := make([]string, nfields)
	for lineNo := 2; ; lineNo++ {
		line, err := readLine(r)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		n := 0
		for f := range strings.SplitSeq(line, ",") {
			if n == nfields {
				n++
				break
			}
			fields[n] = strings.Trim(f, `"`)
			n++
		}
		if n != nfields {
			return fmt.Errorf("line %d: want %d fields: %q", lineNo, nfields, line)
		}
		if err := row(fields); err != nil {
			return fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
}

// readLine returns the next line of r without its line ending ("\n" or
// "\r\n"), or io.EOF when no bytes are left. A last line without a line
// ending is returned as a line.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err == io.EOF && line != "" {
		err = nil
	}
	if err != nil {
		return "", err
	}
	line = strings.TrimSuffix(line, "\n")
	return strings.TrimSuffix(line, "\r"), nil
}

// unquoteFields removes double quotes around each comma-separated field.
func unquoteFields(line string) string {
	fields := strings.Split(line, ",")
	for i, f := range fields {
		fields[i] = strings.Trim(f, `"`)
	}
	return strings.Join(fields, ",")
}

// FinishFile flushes w into f, closes f and returns the size of the file
// at path, for generators of benchmark inputs.
func FinishFile(w *bufio.Writer, f *os.File, path string) (int64, error) {
	if err := w.Flush(); err != nil {
		f.Close()
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
