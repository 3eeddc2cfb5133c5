package storage

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// IsGlob reports whether path holds a glob metacharacter: *, ? or [.
func IsGlob(path string) bool { return strings.ContainsAny(path, "*?[") }

// Glob returns what pattern matches, sorted by path: files with their
// sizes, and directories (IsDir). The syntax is path.Match's: * and ?
// never match "/", [...] is a class, \ escapes. On local disk it is
// filepath.Glob. On object stores it lists every object below the
// pattern's longest literal directory and matches their paths, so a
// directory matches when some object lies below it; the bucket name
// cannot be a pattern. A pattern that matches nothing returns no paths
// and no error.
func Glob(ctx context.Context, pattern string) ([]FileInfo, error) {
	e, err := lookup(pattern)
	if err != nil {
		return nil, err
	}
	if g, ok := e.fs.(Globber); ok {
		return g.Glob(ctx, pattern)
	}
	scheme, rest, _ := splitScheme(pattern)
	segs := strings.Split(strings.TrimRight(rest, "/"), "/")
	if IsGlob(segs[0]) {
		return nil, fmt.Errorf("storage: glob %q: the bucket name cannot be a pattern", pattern)
	}
	lit := 1
	for lit < len(segs) && !IsGlob(segs[lit]) {
		lit++
	}
	want := strings.Join(segs[lit:], "/")
	if _, err := path.Match(want, ""); err != nil {
		return nil, fmt.Errorf("storage: glob %q: %w", pattern, err)
	}
	base := scheme + "://" + strings.Join(segs[:lit], "/")
	if lit == len(segs) { // no metacharacter after all: the path itself
		info, err := e.fs.Stat(ctx, base)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return []FileInfo{info}, err
	}
	files, err := e.fs.List(ctx, base)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	depth := len(segs) - lit
	var out []FileInfo
	seen := map[string]bool{}
	for _, f := range files {
		parts := strings.Split(f.Path[len(base)+1:], "/")
		if len(parts) < depth {
			continue
		}
		cand := strings.Join(parts[:depth], "/")
		if ok, _ := path.Match(want, cand); !ok || seen[cand] {
			continue
		}
		seen[cand] = true
		if len(parts) == depth {
			out = append(out, f)
		} else {
			out = append(out, FileInfo{Path: base + "/" + cand, IsDir: true})
		}
	}
	slices.SortFunc(out, func(a, b FileInfo) int { return strings.Compare(a.Path, b.Path) })
	return out, nil
}
