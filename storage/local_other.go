//go:build !unix

package storage

import (
	"fmt"
	"os"
)

// openRegular opens p for reading, refusing first what is not a regular
// file or a directory (elsewhere than on Unix there is no O_NONBLOCK to
// open a named pipe without waiting).
func openRegular(p string) (*os.File, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(p, info); err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("storage: %w", err)
	}
	return f, nil
}
