package parquetio

import (
	"encoding/json"
	"fmt"

	"github.com/ember-df/ember/plan"
)

// Sources and formats serialize, so plans that read or write Parquet can
// travel to other processes (plan.Marshal). A decoded source reads the
// footers again.
func init() {
	plan.RegisterSource("parquet", decodeSource)
	plan.RegisterFormat("parquet", func(raw json.RawMessage) (plan.FileFormat, error) {
		var f Format
		if err := json.Unmarshal(raw, &f.Options); err != nil {
			return nil, fmt.Errorf("parquetio: decoding format: %w", err)
		}
		return f, nil
	})
}

type sourceConfig struct {
	Paths   []string `json:"paths"`
	Options Options  `json:"options"`
	Columns []string `json:"columns"`
	Limit   int64    `json:"limit"`
	Filter  []byte   `json:"filter,omitempty"`
}

var (
	_ plan.Portable = (*Source)(nil)
	_ plan.Portable = Format{}
)

// Kind implements plan.Portable.
func (s *Source) Kind() string { return "parquet" }

// Config implements plan.Portable.
func (s *Source) Config() (json.RawMessage, error) {
	c := sourceConfig{Options: s.opts, Limit: s.Limit}
	for _, f := range s.files {
		c.Paths = append(c.Paths, f.path)
	}
	for _, f := range s.Schema().Fields() {
		c.Columns = append(c.Columns, f.Name)
	}
	if s.filter != nil {
		enc, err := plan.MarshalExpr(s.filter)
		if err != nil {
			return nil, err
		}
		c.Filter = enc
	}
	return json.Marshal(c)
}

func decodeSource(raw json.RawMessage) (plan.Source, error) {
	var c sourceConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("parquetio: decoding source: %w", err)
	}
	s, err := NewSource(c.Paths, c.Options)
	if err != nil {
		return nil, err
	}
	src, err := s.Project(c.Columns)
	if err != nil {
		return nil, err
	}
	out := src.(*Source).WithLimit(c.Limit).(*Source)
	if c.Filter != nil {
		cond, err := plan.UnmarshalExpr(c.Filter, s.Full)
		if err != nil {
			return nil, err
		}
		return out.WithFilter(cond), nil
	}
	return out, nil
}

// Kind implements plan.Portable.
func (Format) Kind() string { return "parquet" }

// Config implements plan.Portable.
func (f Format) Config() (json.RawMessage, error) { return json.Marshal(f.Options) }
