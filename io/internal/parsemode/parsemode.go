// Package parsemode is Spark's handling of malformed records shared by
// the text readers (csvio, jsonio): the mode option (PERMISSIVE,
// DROPMALFORMED, FAILFAST), the column of corrupt records that
// PERMISSIVE fills (columnNameOfCorruptRecord), and the FAILFAST error.
// What makes a record malformed, and what each mode keeps of it, is the
// format's own.
package parsemode

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
)

// Mode says what a reader does with a malformed record.
type Mode int

// The parse modes, as Spark names them.
const (
	// Permissive sets what cannot be read to NULL and keeps the row; the
	// corrupt-record column, when the schema has it, gets the record's
	// text.
	Permissive Mode = iota
	// DropMalformed skips malformed records.
	DropMalformed
	// FailFast stops at the first malformed record with an error wrapping
	// the format's ErrMalformed.
	FailFast
)

// String returns the mode's Spark name.
func (m Mode) String() string {
	if m < Permissive || m > FailFast {
		return fmt.Sprintf("Mode(%d)", int(m))
	}
	return [...]string{"PERMISSIVE", "DROPMALFORMED", "FAILFAST"}[m]
}

// Parse reads a value of the mode option, in any case.
func Parse(v string) (Mode, error) {
	switch strings.ToUpper(v) {
	case "PERMISSIVE":
		return Permissive, nil
	case "DROPMALFORMED":
		return DropMalformed, nil
	case "FAILFAST":
		return FailFast, nil
	}
	return Permissive, fmt.Errorf("want PERMISSIVE, DROPMALFORMED or FAILFAST")
}

// DefaultCorruptColumn is Spark's default columnNameOfCorruptRecord.
const DefaultCorruptColumn = "_corrupt_record"

// CheckCorruptColumn checks the schema's field named as the corrupt-record
// column: it must be a string.
func CheckCorruptColumn(f arrow.Field) error {
	if f.Type.ID() != arrow.STRING {
		return fmt.Errorf("corrupt-record column %q must be a string, not %s", f.Name, f.Type)
	}
	return nil
}

// Malformed is the FAILFAST error of a malformed record: pkg's prefix,
// the format's sentinel, where the record is, why it is malformed, and
// the start of the record.
func Malformed(pkg string, sentinel error, where string, cause error, record []byte) error {
	return fmt.Errorf("%s: %w: %s: %v (record %q)", pkg, sentinel, where, cause, Excerpt(record))
}

// Excerpt returns b for an error message: its first 80 bytes, cut at a
// rune boundary, and an ellipsis when that is not all of it.
func Excerpt(b []byte) string {
	if len(b) > 80 {
		n := 80
		for n > 0 && !utf8.RuneStart(b[n]) {
			n--
		}
		return string(b[:n]) + "…"
	}
	return string(b)
}
