package jsonio

import (
	"encoding/json"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/textfile"
	"github.com/ember-df/ember/plan"
)

// Kind is the name sources and formats of this package are registered
// under for plan serialization.
const Kind = "jsonl"

// Sources and formats serialize, so plans that read or write JSON lines
// can travel to other processes (plan.Marshal).
func init() {
	plan.RegisterSource(Kind, decodeSource)
	plan.RegisterFormat(Kind, func(raw json.RawMessage) (plan.FileFormat, error) {
		var f Format
		if err := json.Unmarshal(raw, &f.Options); err != nil {
			return nil, fmt.Errorf("jsonio: decoding format: %w", err)
		}
		return f, f.Options.check()
	})
}

type sourceConfig struct {
	Files   []textfile.File `json:"files"`
	Schema  []fieldConfig   `json:"schema"`
	Options Options         `json:"options"`
	Columns []string        `json:"columns"`
	Limit   int64           `json:"limit"`
}

// fieldConfig is a schema field in a serialized plan. It spells nested
// types out as a tree, since plan's schema encoding holds flat types only:
// Type is "struct" (with Fields), "list", "large_list",
// "fixed_size_list" (with Elem, and Size), "decimal128" (with Precision
// and Scale), or a name plan.ParseType reads.
type fieldConfig struct {
	Name      string        `json:"name"`
	Type      string        `json:"type"`
	Nullable  bool          `json:"nullable,omitempty"`
	Fields    []fieldConfig `json:"fields,omitempty"`
	Elem      *fieldConfig  `json:"elem,omitempty"`
	Size      int32         `json:"size,omitempty"`
	Precision int32         `json:"precision,omitempty"`
	Scale     int32         `json:"scale,omitempty"`
}

func encodeField(f arrow.Field) fieldConfig {
	c := fieldConfig{Name: f.Name, Nullable: f.Nullable}
	switch t := f.Type.(type) {
	case *arrow.StructType:
		c.Type = "struct"
		c.Fields = make([]fieldConfig, t.NumFields())
		for k, sub := range t.Fields() {
			c.Fields[k] = encodeField(sub)
		}
	case *arrow.ListType:
		c.Type = "list"
		c.Elem = ptr(encodeField(t.ElemField()))
	case *arrow.LargeListType:
		c.Type = "large_list"
		c.Elem = ptr(encodeField(t.ElemField()))
	case *arrow.FixedSizeListType:
		c.Type, c.Size = "fixed_size_list", t.Len()
		c.Elem = ptr(encodeField(t.ElemField()))
	case *arrow.Decimal128Type:
		c.Type, c.Precision, c.Scale = "decimal128", t.Precision, t.Scale
	default:
		c.Type = f.Type.String()
	}
	return c
}

func ptr[T any](v T) *T { return &v }

func decodeField(c fieldConfig) (arrow.Field, error) {
	f := arrow.Field{Name: c.Name, Nullable: c.Nullable}
	elem := func() (arrow.Field, error) {
		if c.Elem == nil {
			return arrow.Field{}, fmt.Errorf("jsonio: decoding field %q: %s without an element", c.Name, c.Type)
		}
		return decodeField(*c.Elem)
	}
	switch c.Type {
	case "struct":
		fields := make([]arrow.Field, len(c.Fields))
		for k, sub := range c.Fields {
			var err error
			if fields[k], err = decodeField(sub); err != nil {
				return f, err
			}
		}
		f.Type = arrow.StructOf(fields...)
	case "list", "large_list", "fixed_size_list":
		e, err := elem()
		if err != nil {
			return f, err
		}
		switch c.Type {
		case "list":
			f.Type = arrow.ListOfField(e)
		case "large_list":
			f.Type = arrow.LargeListOfField(e)
		default:
			f.Type = arrow.FixedSizeListOfField(c.Size, e)
		}
	case "decimal128":
		f.Type = &arrow.Decimal128Type{Precision: c.Precision, Scale: c.Scale}
	default:
		t, err := plan.ParseType(c.Type)
		if err != nil {
			return f, fmt.Errorf("jsonio: decoding field %q: %w", c.Name, err)
		}
		f.Type = t
	}
	return f, nil
}

var (
	_ plan.Portable = (*Source)(nil)
	_ plan.Portable = Format{}
)

// Kind implements plan.Portable.
func (s *Source) Kind() string { return Kind }

// Config implements plan.Portable: the listed files (so a decoded source
// reads exactly them), the schema, options, projection and limit.
func (s *Source) Config() (json.RawMessage, error) {
	c := sourceConfig{Options: s.opts, Limit: s.Limit, Columns: []string{}}
	for _, f := range s.Full.Fields() {
		c.Schema = append(c.Schema, encodeField(f))
	}
	c.Files = s.files
	for _, i := range s.Cols {
		c.Columns = append(c.Columns, s.Full.Field(i).Name)
	}
	return json.Marshal(c)
}

func decodeSource(raw json.RawMessage) (plan.Source, error) {
	var c sourceConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("jsonio: decoding source: %w", err)
	}
	if err := c.Options.check(); err != nil {
		return nil, err
	}
	fields := make([]arrow.Field, len(c.Schema))
	for i, fc := range c.Schema {
		var err error
		if fields[i], err = decodeField(fc); err != nil {
			return nil, err
		}
	}
	s, err := newSource(textfile.WithCodecs(c.Files), arrow.NewSchema(fields, nil), c.Options)
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
func (Format) Kind() string { return Kind }

// Config implements plan.Portable.
func (f Format) Config() (json.RawMessage, error) { return json.Marshal(f.Options) }
