package csvio

import (
	"context"
	"fmt"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/textfile"
)

// inferred is a column's type as sampling found it so far.
type inferred int

const (
	inferNone inferred = iota // only NULLs seen
	inferInt
	inferFloat
	inferBool
	inferString
)

func (t inferred) widen(v []byte) inferred {
	var k inferred
	s := text(v)
	switch {
	case isInt(s):
		k = inferInt
	case isFloat(s):
		k = inferFloat
	case isBool(v):
		k = inferBool
	default:
		return inferString
	}
	switch {
	case t == inferNone || t == k:
		return k
	case (t == inferInt && k == inferFloat) || (t == inferFloat && k == inferInt):
		return inferFloat
	}
	return inferString
}

func isInt(s string) bool   { _, err := strconv.ParseInt(s, 10, 64); return err == nil }
func isFloat(s string) bool { _, err := strconv.ParseFloat(s, 64); return err == nil }
func isBool(v []byte) bool  { _, ok := parseBool(v); return ok }

func (t inferred) arrowType() arrow.DataType {
	switch t {
	case inferInt:
		return arrow.PrimitiveTypes.Int64
	case inferFloat:
		return arrow.PrimitiveTypes.Float64
	case inferBool:
		return arrow.FixedWidthTypes.Boolean
	}
	return arrow.BinaryTypes.String
}

// discoverSchema names the columns (from the header, or _c0, _c1, …) and
// types them: by sampling up to SamplingRows records when inferSchema is
// set (int64, float64, boolean or string), as strings otherwise. The names
// come from the first file that has a record; blank lines are skipped, and
// the first other record of every file is its header.
func (s *Source) discoverSchema() (*arrow.Schema, error) {
	var names []string
	var types []inferred
	sampled := 0
	enough := func() bool { return names != nil && (!s.opts.InferSchema || sampled >= s.opts.SamplingRows) }
	for i, fi := range s.files {
		if enough() {
			break
		}
		f, err := s.open(context.Background(), i)
		if err != nil {
			return nil, err
		}
		r := &reader{src: s, split: textfile.Split{File: i, End: f.Size()}, path: fi.Path, size: f.Size(), f: f, q: newQuoting(s.opts), line: 1, sampling: true}
		if err := r.skipBOM(); err != nil {
			f.Close()
			return nil, err
		}
		header := s.opts.Header
		var perm []int
		for !enough() {
			line := r.line
			rec, hasQuote, err := r.nextRecord()
			if err != nil {
				f.Close()
				return nil, err
			}
			if rec == nil {
				break
			}
			if r.skipped(rec, line) || (r.tooLong && names != nil) {
				continue // a record too long to sample is malformed
			}
			if r.tooLong {
				f.Close()
				return nil, fmt.Errorf("csvio: %s:%d: the first record is longer than maxRecordBytes (%d bytes)", fi.Path, line, s.opts.maxRecordBytes())
			}
			r.fields, r.quoted, r.scratch = r.q.fields(rec, hasQuote, r.fields, r.quoted, r.scratch)
			if names == nil {
				texts := make([][]byte, len(r.fields))
				for k, f := range r.fields {
					texts[k] = s.cs.validText(f)
				}
				names = columnNames(texts, s.opts.Header)
				types = make([]inferred, len(names))
			}
			if header {
				fileNames := make([]string, len(r.fields))
				for k, f := range r.fields {
					fileNames[k] = string(s.cs.validText(f)) // converted once: the fields are the file's bytes
				}
				if perm, err = s.matchHeader(fi.Path, fileNames); err != nil {
					f.Close()
					return nil, err
				}
			}
			if header || !s.opts.InferSchema {
				header = false
				continue
			}
			for k := range min(len(r.fields), len(types)) {
				j := k
				if perm != nil && len(r.fields) == len(perm) {
					j = perm[k] // the file's columns in the first file's order
				}
				v := r.fields[j]
				if (!r.quoted[j] && text(v) == s.opts.NullValue) || len(v) == 0 {
					continue
				}
				types[k] = types[k].widen(v)
			}
			sampled++
		}
		f.Close()
	}
	if names == nil {
		return nil, fmt.Errorf("csvio: %s: no records to take a schema from; pass a schema", s.files[0].Path)
	}
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: types[i].arrowType(), Nullable: true}
	}
	return arrow.NewSchema(fields, nil), nil
}

// columnNames takes names from a header record, or makes _c0, _c1, …;
// empty names become _cN and repeated names get their index appended, as
// Spark does, and then underscores until they differ from every other
// name, so that names are unique.
func columnNames(fields [][]byte, header bool) []string {
	names := make([]string, len(fields))
	count := map[string]int{}
	for i, f := range fields {
		names[i] = fmt.Sprintf("_c%d", i)
		if header && len(f) > 0 {
			names[i] = string(f)
		}
		count[names[i]]++
	}
	used := map[string]bool{}
	for _, n := range names {
		if count[n] == 1 {
			used[n] = true
		}
	}
	for i, n := range names {
		if count[n] > 1 {
			n = fmt.Sprintf("%s%d", n, i)
			for used[n] {
				n += "_"
			}
			names[i] = n
			used[n] = true
		}
	}
	return names
}
