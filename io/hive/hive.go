// Package hive reads directories laid out Hive-style — col=value/part-…,
// as Write().PartitionBy produces — for any file format: the partition
// columns come back as columns, and filters on them skip whole directories.
package hive

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/hivepath"
	"github.com/ember-df/ember/io/internal/listing"
	"github.com/ember-df/ember/plan"
)

// DefaultPartition is the directory value that stands for NULL.
const DefaultPartition = hivepath.DefaultPartition

// Opener builds a format's source over the given files; a nil schema means
// the format discovers it.
type Opener func(paths []string, schema *arrow.Schema) (plan.Source, error)

// Open lists paths. When the files sit below col=value directories, it
// returns a Source that reads each directory with open and adds the
// partition columns (after the files' own); otherwise it returns open's
// source over paths. A schema, when given, may type partition columns too.
func Open(paths []string, schema *arrow.Schema, open Opener) (plan.Source, error) {
	files, err := listing.List(paths, nil)
	if err != nil {
		return nil, err
	}
	layout, err := discover(files)
	if err != nil {
		return nil, err
	}
	if layout == nil {
		return open(paths, schema)
	}
	keys := layout.keyFields(schema)
	var inner *arrow.Schema
	if schema != nil {
		var fields []arrow.Field
		for _, f := range schema.Fields() {
			if !layout.isKey(f.Name) {
				fields = append(fields, f)
			}
		}
		inner = arrow.NewSchema(fields, nil)
	}
	s := &Source{keys: keys}
	for _, g := range layout.groups {
		values, err := typedValues(g.values, keys, g.dir)
		if err != nil {
			return nil, err
		}
		src, err := open(g.paths, inner)
		if err != nil {
			return nil, err
		}
		inner = src.Schema()
		s.groups = append(s.groups, group{dir: g.dir, values: values, src: src})
	}
	for i := range keys {
		s.keyCols = append(s.keyCols, i)
	}
	s.live = allGroups(len(s.groups))
	return s, nil
}

type rawGroup struct {
	dir    string   // relative directory, e.g. "year=2024/country=FR"
	values []string // unescaped values; DefaultPartition stays as it is
	paths  []string
}

type layout struct {
	names  []string
	groups []rawGroup
}

func (l *layout) isKey(name string) bool {
	for _, n := range l.names {
		if n == name {
			return true
		}
	}
	return false
}

// discover reads the col=value segments between each file's root and the
// file; nil when no file has any.
func discover(files []listing.File) (*layout, error) {
	var l *layout
	index := map[string]int{}
	for _, f := range files {
		rel := path.Dir(f.Rel) // "." for a file named directly or beside the others
		names, values, err := hivepath.ParseDir(rel)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.Path, err)
		}
		switch {
		case l == nil && len(names) == 0:
			index[""] = -1
			continue
		case len(names) == 0:
			return nil, fmt.Errorf("%s is not in a col=value directory like the other files", f.Path)
		case l == nil:
			if _, plain := index[""]; plain {
				return nil, fmt.Errorf("%s is in a col=value directory, other files are not", f.Path)
			}
			l = &layout{names: names}
		case strings.Join(names, "/") != strings.Join(l.names, "/"):
			return nil, fmt.Errorf("%s: partition columns %v differ from %v", f.Path, names, l.names)
		}
		dir := rel
		g, ok := index[dir]
		if !ok {
			g = len(l.groups)
			index[dir] = g
			l.groups = append(l.groups, rawGroup{dir: dir, values: values})
		}
		l.groups[g].paths = append(l.groups[g].paths, f.Path)
	}
	return l, nil
}

// keyFields types the partition columns: as the schema says, else int64
// when every value is an integer, float64 when every value is a number,
// string otherwise.
func (l *layout) keyFields(schema *arrow.Schema) []arrow.Field {
	out := make([]arrow.Field, len(l.names))
	for i, name := range l.names {
		if schema != nil {
			if idx := schema.FieldIndices(name); len(idx) == 1 {
				out[i] = schema.Field(idx[0])
				continue
			}
		}
		ints, floats := true, true
		for _, g := range l.groups {
			v := g.values[i]
			if v == DefaultPartition || v == "" {
				continue
			}
			if _, err := strconv.ParseInt(v, 10, 64); err != nil {
				ints = false
			}
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				floats = false
			}
		}
		t := arrow.DataType(arrow.BinaryTypes.String)
		switch {
		case ints:
			t = arrow.PrimitiveTypes.Int64
		case floats:
			t = arrow.PrimitiveTypes.Float64
		}
		out[i] = arrow.Field{Name: name, Type: t, Nullable: true}
	}
	return out
}

// typedValues converts a directory's values to the keys' types: int64,
// float64, string, or nil for NULL.
func typedValues(raw []string, keys []arrow.Field, dir string) ([]any, error) {
	out := make([]any, len(raw))
	for i, v := range raw {
		if v == DefaultPartition {
			continue
		}
		var err error
		switch keys[i].Type.ID() {
		case arrow.INT64:
			out[i], err = strconv.ParseInt(v, 10, 64)
		case arrow.FLOAT64:
			out[i], err = strconv.ParseFloat(v, 64)
		case arrow.STRING:
			out[i] = v
		default:
			err = fmt.Errorf("partition columns of type %s are not supported", keys[i].Type)
		}
		if err != nil {
			return nil, fmt.Errorf("partition directory %s: column %s: %w", dir, keys[i].Name, err)
		}
	}
	return out, nil
}

func allGroups(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// Source reads a Hive-partitioned directory: one inner source per
// partition directory, with the partition columns added to every batch.
type Source struct {
	keys    []arrow.Field
	groups  []group
	keyCols []int     // projected partition columns (indices in keys)
	live    []int     // groups not pruned by the filter
	filter  plan.Expr // for Explain and portability
}

type group struct {
	dir    string
	values []any
	src    plan.Source
}

var (
	_ plan.ProjectingSource = (*Source)(nil)
	_ plan.LimitingSource   = (*Source)(nil)
	_ plan.FilteringSource  = (*Source)(nil)
	_ plan.Portable         = (*Source)(nil)
)

// String implements plan.Source.
func (s *Source) String() string {
	names := make([]string, len(s.keys))
	for i, k := range s.keys {
		names[i] = k.Name
	}
	out := fmt.Sprintf("hive %v, %d of %d directories, over %s", names, len(s.live), len(s.groups), s.groups[0].src)
	if len(s.keyCols) < len(s.keys) {
		out += fmt.Sprintf(" (partition columns pruned to %d)", len(s.keyCols))
	}
	return out
}

// Schema implements plan.Source: the files' columns, then the partition
// columns.
func (s *Source) Schema() *arrow.Schema {
	fields := append([]arrow.Field(nil), s.groups[0].src.Schema().Fields()...)
	for _, k := range s.keyCols {
		fields = append(fields, s.keys[k])
	}
	return arrow.NewSchema(fields, nil)
}

// Partitions implements plan.Source.
func (s *Source) Partitions() int {
	n := 0
	for _, g := range s.live {
		n += s.groups[g].src.Partitions()
	}
	return max(n, 1)
}

// Project implements plan.ProjectingSource.
func (s *Source) Project(columns []string) (plan.Source, error) {
	var inner []string
	var keyCols []int
outer:
	for _, c := range columns {
		for i, k := range s.keys {
			if k.Name == c {
				keyCols = append(keyCols, i)
				continue outer
			}
		}
		inner = append(inner, c)
	}
	out := *s
	out.keyCols = keyCols
	out.groups = make([]group, len(s.groups))
	for i, g := range s.groups {
		ps, ok := g.src.(plan.ProjectingSource)
		if !ok {
			return nil, fmt.Errorf("hive: %s cannot skip columns", g.src)
		}
		src, err := ps.Project(inner)
		if err != nil {
			return nil, err
		}
		out.groups[i] = group{dir: g.dir, values: g.values, src: src}
	}
	return &out, nil
}

// WithLimit implements plan.LimitingSource.
func (s *Source) WithLimit(n int64) plan.Source {
	out := *s
	out.groups = make([]group, len(s.groups))
	for i, g := range s.groups {
		out.groups[i] = g
		if ls, ok := g.src.(plan.LimitingSource); ok {
			out.groups[i].src = ls.WithLimit(n)
		}
	}
	return &out
}

// WithFilter implements plan.FilteringSource: directories whose values rule
// cond out are skipped, and each directory's source gets cond too.
func (s *Source) WithFilter(cond plan.Expr) plan.Source {
	out := *s
	out.filter = cond
	out.live = nil
	out.groups = make([]group, len(s.groups))
	for i, g := range s.groups {
		out.groups[i] = g
		if fs, ok := g.src.(plan.FilteringSource); ok {
			out.groups[i].src = fs.WithFilter(cond)
		}
		ranges := map[string]plan.Range{}
		for k, v := range g.values {
			ranges[s.keys[k].Name] = plan.Range{Min: v, Max: v, AllNull: v == nil}
		}
		if plan.MayMatch(cond, ranges) {
			out.live = append(out.live, i)
		}
	}
	return &out
}

// Open implements plan.Source.
func (s *Source) Open(ctx context.Context, p int, opts plan.ScanOptions) (plan.BatchReader, error) {
	for _, gi := range s.live {
		g := s.groups[gi]
		if p < g.src.Partitions() {
			r, err := g.src.Open(ctx, p, opts)
			if err != nil {
				return nil, err
			}
			mem := opts.Allocator
			if mem == nil {
				mem = memory.DefaultAllocator
			}
			return &reader{inner: r, schema: s.Schema(), keys: s.keys, keyCols: s.keyCols, values: g.values, mem: mem}, nil
		}
		p -= g.src.Partitions()
	}
	return emptyReader{}, nil
}

// reader adds a directory's partition values to every batch.
type reader struct {
	inner   plan.BatchReader
	schema  *arrow.Schema
	keys    []arrow.Field
	keyCols []int
	values  []any
	mem     memory.Allocator
	current arrow.RecordBatch
}

func (r *reader) Next(ctx context.Context) (arrow.RecordBatch, error) {
	r.release()
	b, err := r.inner.Next(ctx)
	if err != nil {
		return nil, err
	}
	n := int(b.NumRows())
	cols := append([]arrow.Array(nil), b.Columns()...)
	var made []arrow.Array
	for _, k := range r.keyCols {
		c := constant(r.mem, r.keys[k].Type, r.values[k], n)
		made = append(made, c)
		cols = append(cols, c)
	}
	r.current = array.NewRecordBatch(r.schema, cols, int64(n))
	for _, c := range made {
		c.Release()
	}
	return r.current, nil
}

// constant returns n copies of v (nil: NULL).
func constant(mem memory.Allocator, t arrow.DataType, v any, n int) arrow.Array {
	b := array.NewBuilder(mem, t)
	defer b.Release()
	b.Reserve(n)
	for i := 0; i < n; i++ {
		switch x := v.(type) {
		case nil:
			b.AppendNull()
		case int64:
			b.(*array.Int64Builder).UnsafeAppend(x)
		case float64:
			b.(*array.Float64Builder).UnsafeAppend(x)
		case string:
			b.(*array.StringBuilder).Append(x)
		}
	}
	return b.NewArray()
}

func (r *reader) release() {
	if r.current != nil {
		r.current.Release()
		r.current = nil
	}
}

func (r *reader) Close() error {
	r.release()
	return r.inner.Close()
}

type emptyReader struct{}

func (emptyReader) Next(context.Context) (arrow.RecordBatch, error) { return nil, io.EOF }
func (emptyReader) Close() error                                    { return nil }

func init() { plan.RegisterSource("hive", decode) }

type config struct {
	Keys    []plan.EncodedField `json:"keys"`
	KeyCols []int               `json:"keyCols"`
	Live    []int               `json:"live"`
	Groups  []groupConfig       `json:"groups"`
}

type groupConfig struct {
	Dir    string          `json:"dir"`
	Values []any           `json:"values"`
	Kind   string          `json:"kind"`
	Source json.RawMessage `json:"source"`
}

// Kind implements plan.Portable.
func (s *Source) Kind() string { return "hive" }

// Config implements plan.Portable.
func (s *Source) Config() (json.RawMessage, error) {
	c := config{Keys: plan.EncodeSchema(arrow.NewSchema(s.keys, nil)), KeyCols: s.keyCols, Live: s.live}
	for _, g := range s.groups {
		kind, cfg, err := plan.EncodeSource(g.src)
		if err != nil {
			return nil, err
		}
		c.Groups = append(c.Groups, groupConfig{Dir: g.dir, Values: g.values, Kind: kind, Source: cfg})
	}
	return json.Marshal(c)
}

func decode(raw json.RawMessage) (plan.Source, error) {
	var c config
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, fmt.Errorf("hive: decoding: %w", err)
	}
	keys, err := plan.DecodeSchema(c.Keys)
	if err != nil {
		return nil, err
	}
	s := &Source{keys: keys.Fields(), keyCols: c.KeyCols, live: c.Live}
	for _, g := range c.Groups {
		src, err := plan.DecodeSource(g.Kind, g.Source)
		if err != nil {
			return nil, err
		}
		values := make([]any, len(g.Values))
		for i, v := range g.Values {
			switch x := v.(type) {
			case float64: // JSON numbers
				if s.keys[i].Type.ID() == arrow.INT64 {
					values[i] = int64(x)
				} else {
					values[i] = x
				}
			default:
				values[i] = x
			}
		}
		s.groups = append(s.groups, group{dir: g.Dir, values: values, src: src})
	}
	if len(s.groups) == 0 {
		return nil, fmt.Errorf("hive: decoding: no directories")
	}
	return s, nil
}
