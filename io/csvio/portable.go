package csvio

import (
	"encoding/json"
	"fmt"

	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/plan"
)

// Sources and formats serialize, so plans that read or write CSV can
// travel to other processes (plan.Marshal).
func init() {
	plan.RegisterSource("csv", decodeSource)
	plan.RegisterFormat("csv", func(raw json.RawMessage) (plan.FileFormat, error) {
		var f Format
		if err := json.Unmarshal(raw, &f.Options); err != nil {
			return nil, fmt.Errorf("csvio: decoding format: %w", err)
		}
		return f, f.Options.check()
	})
}

type sourceConfig struct {
	Files   []textfile.File     `json:"files"`
	Schema  []plan.EncodedField `json:"schema"`
	Options Options             `json:"options"`
	Columns []string            `json:"columns"`
	Limit   int64               `json:"limit"`
	// Header and HeaderFile are the first file's header and path, which
	// every file's header is matched against.
	Header     []string `json:"header,omitempty"`
	HeaderFile string   `json:"header_file,omitempty"`
}

var (
	_ plan.Portable = (*Source)(nil)
	_ plan.Portable = Format{}
)

// Kind implements plan.Portable.
func (s *Source) Kind() string { return "csv" }

// Config implements plan.Portable: the listed files (so a decoded source
// reads exactly them), the schema, options, projection and limit.
func (s *Source) Config() (json.RawMessage, error) {
	c := sourceConfig{Files: s.files, Schema: plan.EncodeSchema(s.Full), Options: s.opts, Limit: s.Limit, Header: s.header, HeaderFile: s.headerFile}
	for _, i := range s.Cols {
		c.Columns = append(c.Columns, s.Full.Field(i).Name)
	}
	return json.Marshal(c)
}

func decodeSource(raw json.RawMessage) (plan.Source, error) {
	var c sourceConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("csvio: decoding source: %w", err)
	}
	if err := c.Options.check(); err != nil {
		return nil, err
	}
	schema, err := plan.DecodeSchema(c.Schema)
	if err != nil {
		return nil, err
	}
	s, err := newSource(textfile.WithCodecs(c.Files), schema, c.Options, c.Header, c.HeaderFile)
	if err != nil {
		return nil, err
	}
	out, err := s.Project(c.Columns)
	if err != nil {
		return nil, err
	}
	return out.(*Source).WithLimit(c.Limit), nil
}

// Kind implements plan.Portable.
func (Format) Kind() string { return "csv" }

// Config implements plan.Portable.
func (f Format) Config() (json.RawMessage, error) { return json.Marshal(f.Options) }
