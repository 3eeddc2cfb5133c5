// Package listing expands the paths a reader is given — files,
// directories, globs — into the files to read, the same way for every
// format: in a stable order, skipping the names that output directories
// and tools leave behind (_SUCCESS, _temporary/, .hidden).
package listing

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// File is one file to read.
type File struct {
	Path string
	Size int64
	// Root is the directory the file was found under (the file itself when
	// given directly); Hive-style partition values are read from the path
	// between Root and the file.
	Root string
}

// Hidden reports whether a file or directory name is skipped: names that
// start with "_" or ".".
func Hidden(name string) bool { return strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") }

// List expands paths into files. Globs expand in lexical order;
// directories are read recursively in lexical order, skipping hidden names
// and, when keep is not nil, files whose name keep refuses. A path that
// does not exist, a glob that matches nothing, or no file at all is an
// error naming the path.
func List(paths []string, keep func(name string) bool) ([]File, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no path given")
	}
	var out []File
	for _, p := range paths {
		matches := []string{p}
		if strings.ContainsAny(p, "*?[") {
			var err error
			if matches, err = filepath.Glob(p); err != nil {
				return nil, fmt.Errorf("bad glob %q: %w", p, err)
			}
			if len(matches) == 0 {
				return nil, fmt.Errorf("%q matches no file", p)
			}
			sort.Strings(matches)
		}
		for _, m := range matches {
			found, err := walk(m, keep)
			if err != nil {
				return nil, err
			}
			out = append(out, found...)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no files to read", strings.Join(paths, ", "))
	}
	return out, nil
}

func walk(root string, keep func(string) bool) ([]File, error) {
	info, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []File{{Path: root, Size: info.Size(), Root: root}}, nil
	}
	var out []File
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path != root && Hidden(d.Name()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || (keep != nil && !keep(d.Name())) {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		out = append(out, File{Path: path, Size: info.Size(), Root: root})
		return nil
	})
	return out, err
}
