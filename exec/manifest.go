package exec

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

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

func (m Manifest) write(dir string) error {
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, SuccessFile), append(data, '\n'), 0o644)
}

// ReadManifest reads the _SUCCESS manifest of a committed directory.
func ReadManifest(dir string) (Manifest, error) {
	var m Manifest
	data, err := os.ReadFile(filepath.Join(dir, SuccessFile))
	if err != nil {
		return m, err
	}
	if err := json.Unmarshal(data, &m); err != nil {
		return m, fmt.Errorf("exec: %s: %w", filepath.Join(dir, SuccessFile), err)
	}
	return m, nil
}
