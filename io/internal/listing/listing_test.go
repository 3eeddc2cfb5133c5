package listing

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/storage"
)

func TestList(t *testing.T) {
	ctx := context.Background()
	t.Cleanup(func() { storage.DropMemBucket("listing") })
	local := t.TempDir()
	names := []string{"a.csv", "b/c.csv", "b/_SUCCESS", "b/.x.csv", "_temporary/0/d.csv", "e.txt"}
	for _, root := range []string{local, "mem://listing/root"} {
		for _, n := range names {
			if err := storage.WriteFile(ctx, storage.Join(root, n), []byte(n)); err != nil {
				t.Fatal(err)
			}
		}
		files, err := List([]string{root}, func(name string) bool { return strings.HasSuffix(name, ".csv") })
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range files {
			got = append(got, fmt.Sprintf("%s %d %s", f.Rel, f.Size, filepath.Base(f.Path)))
			if f.Root != root {
				t.Errorf("%s: root %s, want %s", f.Path, f.Root, root)
			}
		}
		if want := "a.csv 5 a.csv|b/c.csv 7 c.csv"; strings.Join(got, "|") != want {
			t.Errorf("%s: got %v, want %s", root, got, want)
		}
		files, err = List([]string{storage.Join(root, "*/*.csv"), storage.Join(root, "a.csv")}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(files) != 3 || files[0].Rel != "" || files[0].Root != files[0].Path || files[2].Path != storage.Join(root, "a.csv") {
			t.Errorf("%s: globs gave %+v", root, files)
		}
		for _, bad := range []string{"nope*.csv", "nope.csv", "["} {
			if _, err := List([]string{storage.Join(root, bad)}, nil); err == nil {
				t.Errorf("%s: List(%s) gave no error", root, bad)
			}
		}
	}
}

func TestManifest(t *testing.T) {
	ctx := context.Background()
	t.Cleanup(func() { storage.DropMemBucket("listing-manifest") })
	for _, root := range []string{t.TempDir(), "mem://listing-manifest/out"} {
		for _, n := range []string{"part-00000-old.csv", "part-00001-old.csv", "year=1/part-00000-new.csv", "part-00000-stray.csv"} {
			storage.WriteFile(ctx, storage.Join(root, n), []byte("x\n"))
		}
		manifest := `{"job": "new", "format": "csv", "files": [{"name": "year=1/part-00000-new.csv", "rows": 1}, {"name": "part-00001-old.csv", "rows": 1}]}`
		storage.WriteFile(ctx, storage.Join(root, "_SUCCESS"), []byte(manifest))
		files, err := List([]string{root}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range files {
			got = append(got, f.Rel)
		}
		if want := "year=1/part-00000-new.csv part-00001-old.csv"; strings.Join(got, " ") != want {
			t.Errorf("%s: files %v, want the manifest's: %s", root, got, want)
		}
		// Spark's empty marker changes nothing.
		storage.WriteFile(ctx, storage.Join(root, "_SUCCESS"), nil)
		if files, _ := List([]string{root}, nil); len(files) != 4 {
			t.Errorf("%s: with an empty _SUCCESS, %d files, want 4", root, len(files))
		}
		storage.WriteFile(ctx, storage.Join(root, "_SUCCESS"), []byte(`{"files": [{"name": "gone.csv"}]}`))
		if _, err := List([]string{root}, nil); err == nil || !strings.Contains(err.Error(), "gone.csv, which is missing") {
			t.Errorf("%s: a manifest listing a missing file: %v", root, err)
		}
	}
}
