package commit

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// SuccessFile is the marker a committed output directory holds: a JSON
// Manifest of the files, rows and schema.
const SuccessFile = "_SUCCESS"

// Manifest is the content of a committed directory's _SUCCESS file: what
// the last job committed there. Readers and other tools can check a
// directory against it.
type Manifest struct {
	Job     string         `json:"job"`
	Format  string         `json:"format"`
	Written time.Time      `json:"written"`
	Rows    int64          `json:"rows"` // -1 when some file's count is unknown
	Files   []ManifestFile `json:"files"`
	// Schema is the files' schema; PartitionBy names the Hive partition
	// columns, which the directory names hold instead.
	Schema      []plan.EncodedField `json:"schema"`
	PartitionBy []string            `json:"partitionBy,omitempty"`
}

// ManifestFile is one data file, by its path relative to the directory.
type ManifestFile struct {
	Name  string `json:"name"`
	Rows  int64  `json:"rows"` // -1 when unknown (files a job found there)
	Bytes int64  `json:"bytes,omitempty"`
}

func newManifest(job, format string, schema *arrow.Schema, files []ManifestFile) Manifest {
	m := Manifest{Job: job, Format: format, Written: time.Now().UTC(), Files: append([]ManifestFile(nil), files...), Schema: plan.EncodeSchema(schema)}
	sort.Slice(m.Files, func(i, j int) bool { return m.Files[i].Name < m.Files[j].Name })
	for _, f := range m.Files {
		m.Rows += f.Rows
	}
	return m
}

// merge returns m (an Append's new files) after the files of old.
func (old Manifest) merge(m Manifest) Manifest {
	out := m
	out.Files = append(append([]ManifestFile(nil), old.Files...), m.Files...)
	if old.Rows < 0 {
		out.Rows = -1
	} else {
		out.Rows = old.Rows + m.Rows
	}
	return out
}

// encode renders the manifest as indented JSON, type names unescaped.
func (m Manifest) encode() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// write writes the manifest into the local directory dir, flushed to
// stable storage when sync is set.
func (m Manifest) write(dir string, sync bool) error {
	data, err := m.encode()
	if err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(dir, SuccessFile))
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if sync {
		if err := syncFile(f); err != nil {
			f.Close()
			return err
		}
	}
	return f.Close()
}

// ErrNotManifest is wrapped by ReadManifest's error for a _SUCCESS file
// that is no ember manifest, such as the empty marker Spark writes.
var ErrNotManifest = errors.New("not an ember manifest")

// ReadManifest reads the _SUCCESS manifest of a committed directory, on
// any store. A directory without one is an error wrapping fs.ErrNotExist;
// a _SUCCESS that is no manifest, one wrapping ErrNotManifest.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	path := storage.Join(dir, SuccessFile)
	data, err := storage.ReadFile(context.Background(), path)
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("exec: %s: %w (%w)", path, ErrNotManifest, err)
	}
	return m, nil
}
