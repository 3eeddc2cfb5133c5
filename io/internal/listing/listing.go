// Package listing expands the paths a reader is given — files,
// directories, globs, on any filesystem package storage reaches — into
// the files to read, the same way for every format: in a stable order,
// skipping the names that output directories and tools leave behind
// (_SUCCESS, _temporary/, .hidden).
package listing

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/ember-df/ember/storage"
)

// File is one file to read.
type File struct {
	Path string
	Size int64
	// Root is the directory the file was found under (the file itself when
	// given directly or matched by a glob); Hive-style partition values
	// are read from Rel.
	Root string
	// Rel is the file's slash-separated path below Root; "" when the file
	// is Root.
	Rel string
}

// Hidden reports whether a file or directory name is skipped: names that
// start with "_" or ".".
func Hidden(name string) bool { return strings.HasPrefix(name, "_") || strings.HasPrefix(name, ".") }

// List expands paths into files. A path that exists as written is read as
// it is, even when its name holds glob characters (*, ?, [); other globs
// expand in lexical order (on object stores, by listing the pattern's
// literal directory: see storage.Glob);
// directories are read recursively in lexical order of the files' paths,
// skipping hidden names and, when keep is not nil, files whose name keep
// refuses. A directory whose _SUCCESS is an ember manifest (see
// docs/commit.md) gives exactly the files the manifest lists, so that
// stray files of failed or running jobs are not read; an empty _SUCCESS,
// as Spark writes, changes nothing. A path that does not exist, a glob
// that matches nothing, or no file at all is an error naming the path.
// On local disk symbolic links are followed (files are listed with the
// size of what they point to) and what is not a regular file — a named
// pipe, a socket, a device — is skipped in directories and globs, and an
// error wrapping storage.ErrNotRegular when named: see storage's List and
// Stat.
func List(paths []string, keep func(name string) bool) ([]File, error) {
	if len(paths) == 0 {
		return nil, fmt.Errorf("no path given")
	}
	ctx := context.Background()
	var out []File
	for _, p := range paths {
		matches, err := expand(ctx, p)
		if err != nil {
			return nil, err
		}
		for _, m := range matches {
			if !m.IsDir {
				out = append(out, File{Path: m.Path, Size: m.Size, Root: m.Path})
				continue
			}
			found, err := walk(ctx, m.Path, keep)
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

// expand is what one path names: itself when it exists as written (even
// with glob characters in its name, data[1].csv), else what it matches as
// a glob.
func expand(ctx context.Context, p string) ([]storage.FileInfo, error) {
	info, err := storage.Stat(ctx, p)
	if err == nil || !storage.IsGlob(p) {
		return []storage.FileInfo{info}, err
	}
	matches, err := storage.Glob(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("bad glob %q: %w", p, err)
	}
	if len(matches) == 0 {
		return nil, fmt.Errorf("%q matches no file", p)
	}
	return matches, nil
}

// walk lists the files below the directory root that are read.
func walk(ctx context.Context, root string, keep func(string) bool) ([]File, error) {
	files, err := storage.List(ctx, root)
	if err != nil {
		return nil, err
	}
	listed, err := manifest(ctx, root, files)
	if err != nil {
		return nil, err
	}
	if listed != nil {
		files = listed
	}
	var out []File
	for _, f := range files {
		rel := relative(root, f.Path)
		segs := strings.Split(rel, "/")
		hidden := false
		for _, s := range segs {
			hidden = hidden || Hidden(s)
		}
		if hidden || (keep != nil && !keep(segs[len(segs)-1])) {
			continue
		}
		out = append(out, File{Path: f.Path, Size: f.Size, Root: root, Rel: rel})
	}
	return out, nil
}

// manifest returns the files that the _SUCCESS manifest of the directory
// root lists (files being everything below root), or nil when root has
// none. Only the manifest's file names are read here; the executor owns
// the format (exec's Manifest).
func manifest(ctx context.Context, root string, files []storage.FileInfo) ([]storage.FileInfo, error) {
	byRel := make(map[string]storage.FileInfo, len(files))
	for _, f := range files {
		byRel[relative(root, f.Path)] = f
	}
	success, ok := byRel["_SUCCESS"]
	if !ok || success.Size == 0 {
		return nil, nil
	}
	data, err := storage.ReadFile(ctx, success.Path)
	if err != nil {
		return nil, err
	}
	var m struct {
		Files *[]struct {
			Name string `json:"name"`
		} `json:"files"`
	}
	if json.Unmarshal(data, &m) != nil || m.Files == nil {
		return nil, nil // not an ember manifest: list the directory
	}
	out := make([]storage.FileInfo, 0, len(*m.Files))
	for _, f := range *m.Files {
		info, ok := byRel[f.Name]
		if !ok {
			return nil, fmt.Errorf("%s lists %s, which is missing", success.Path, f.Name)
		}
		out = append(out, info)
	}
	return out, nil
}

// relative is the slash-separated path of a file listed below root.
func relative(root, path string) string {
	if r, ok := storage.LocalPath(root); ok {
		if p, ok := storage.LocalPath(path); ok {
			if rel, err := filepath.Rel(r, p); err == nil {
				return filepath.ToSlash(rel)
			}
		}
	}
	return strings.TrimPrefix(path, strings.TrimRight(root, "/")+"/")
}
