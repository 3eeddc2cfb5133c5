package storage

import (
	"context"
	"io"
	"path/filepath"
)

// IsAbs reports whether path is absolute: a URL of any scheme, or an
// absolute local path.
func IsAbs(path string) bool {
	if _, _, ok := splitScheme(path); ok {
		return true
	}
	return filepath.IsAbs(path)
}

// Join joins a directory and a slash-separated relative name, keeping the
// directory's form: filepath.Join for a plain local path, "/" for URLs.
func Join(dir, rel string) string { return under(dir, rel) }

// ReadFile reads the whole file at path.
func ReadFile(ctx context.Context, path string) ([]byte, error) {
	r, err := Open(ctx, path)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// WriteFile writes data as the file at path (see Create).
func WriteFile(ctx context.Context, path string, data []byte) error {
	w, err := Create(ctx, path)
	if err != nil {
		return err
	}
	defer w.Abort()
	if _, err := w.Write(data); err != nil {
		return err
	}
	return w.Close()
}
