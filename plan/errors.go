package plan

import (
	"errors"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// ErrColumnNotFound is wrapped by every error about a column that a schema
// does not have.
var ErrColumnNotFound = errors.New("column not found")

// ErrType is wrapped by every error about an expression whose argument types
// do not fit.
var ErrType = errors.New("type mismatch")

// columnNotFound names the missing column and lists the ones that exist.
func columnNotFound(name string, in *arrow.Schema) error {
	names := make([]string, in.NumFields())
	for i, f := range in.Fields() {
		names[i] = f.Name
	}
	return fmt.Errorf("plan: %w: %q (columns: %s)", ErrColumnNotFound, name, strings.Join(names, ", "))
}

func typeError(format string, args ...any) error {
	return fmt.Errorf("plan: %w: %s", ErrType, fmt.Sprintf(format, args...))
}

// FieldIndex returns the index of the column called name in s, or an error
// wrapping ErrColumnNotFound that lists the columns s has.
func FieldIndex(s *arrow.Schema, name string) (int, error) {
	idx := s.FieldIndices(name)
	switch len(idx) {
	case 1:
		return idx[0], nil
	case 0:
		return -1, columnNotFound(name, s)
	default:
		return -1, fmt.Errorf("plan: column %q is ambiguous: %d columns have that name", name, len(idx))
	}
}
