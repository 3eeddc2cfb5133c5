package ipcio

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/ember-df/ember/plan"
)

// Sources and formats serialize, so plans that read or write Arrow IPC
// can travel to other processes (plan.Marshal).
func init() {
	plan.RegisterSource("arrow", decodeSource)
	plan.RegisterFormat("arrow", func(raw json.RawMessage) (plan.FileFormat, error) {
		var f Format
		if err := json.Unmarshal(raw, &f.Options); err != nil {
			return nil, fmt.Errorf("ipcio: decoding format: %w", err)
		}
		return f, f.Options.check()
	})
}

// sourceConfig is a Source as it travels: everything planning found, so
// that decoding reads no file and gives the same partitions.
type sourceConfig struct {
	Files      []fileConfig `json:"files"`
	Partitions [][3]int     `json:"partitions"` // file, first batch, end batch
	// Schema is the merged schema as an Arrow IPC schema message: it
	// holds any Arrow type (decimals, lists, structs), which the plan's
	// type names do not.
	Schema  []byte   `json:"schema"`
	Options Options  `json:"options"`
	Columns []string `json:"columns"`
	Limit   int64    `json:"limit"`
}

type fileConfig struct {
	Path    string `json:"path"`
	Size    int64  `json:"size"`
	Layout  Layout `json:"layout"`
	Batches int    `json:"batches"`
}

var (
	_ plan.Portable = (*Source)(nil)
	_ plan.Portable = Format{}
)

// Kind implements plan.Portable.
func (s *Source) Kind() string { return "arrow" }

// Config implements plan.Portable: the files, their partitions, the
// schema, options, projection and limit.
func (s *Source) Config() (json.RawMessage, error) {
	schema, err := encodeSchema(s.Full)
	if err != nil {
		return nil, err
	}
	c := sourceConfig{Schema: schema, Options: s.opts, Limit: s.Limit, Columns: []string{}}
	for _, f := range s.files {
		c.Files = append(c.Files, fileConfig{Path: f.path, Size: f.size, Layout: f.layout, Batches: f.batches})
	}
	for _, p := range s.parts {
		c.Partitions = append(c.Partitions, [3]int{p.file, p.first, p.end})
	}
	for _, i := range s.Cols {
		c.Columns = append(c.Columns, s.Full.Field(i).Name)
	}
	return json.Marshal(c)
}

func decodeSource(raw json.RawMessage) (plan.Source, error) {
	var c sourceConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("ipcio: decoding source: %w", err)
	}
	if err := c.Options.check(); err != nil {
		return nil, err
	}
	schema, err := decodeSchema(c.Schema)
	if err != nil {
		return nil, err
	}
	files := make([]file, len(c.Files))
	for i, f := range c.Files {
		if f.Layout != LayoutFile && f.Layout != LayoutStream {
			return nil, fmt.Errorf("ipcio: decoding source: %s: bad layout %q", f.Path, string(f.Layout))
		}
		files[i] = file{path: f.Path, size: f.Size, layout: f.Layout, batches: f.Batches}
	}
	parts := make([]part, len(c.Partitions))
	for i, p := range c.Partitions {
		parts[i] = part{file: p[0], first: p[1], end: p[2]}
		if p[0] < 0 || p[0] >= len(files) || (files[p[0]].layout == LayoutFile && (p[1] < 0 || p[1] > p[2] || p[2] > files[p[0]].batches)) {
			return nil, fmt.Errorf("ipcio: decoding source: bad partition %v", p)
		}
	}
	out, err := newSource(files, parts, schema, c.Options).Project(c.Columns)
	if err != nil {
		return nil, err
	}
	return out.(*Source).WithLimit(c.Limit), nil
}

// encodeSchema writes s as the schema message of an IPC stream.
func encodeSchema(s *arrow.Schema) ([]byte, error) {
	var buf bytes.Buffer
	w := ipc.NewWriter(&buf, ipc.WithSchema(s))
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("ipcio: encoding schema: %w", err)
	}
	return buf.Bytes(), nil
}

func decodeSchema(b []byte) (*arrow.Schema, error) {
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("ipcio: decoding schema: %w", err)
	}
	defer r.Release()
	return r.Schema(), nil
}

// Kind implements plan.Portable.
func (Format) Kind() string { return "arrow" }

// Config implements plan.Portable.
func (f Format) Config() (json.RawMessage, error) { return json.Marshal(f.Options) }
