package jsonio

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/parsemode"
	"github.com/ember-df/ember/io/internal/textfile"
)

// shapeKind is a value's type as sampling found it so far.
type shapeKind uint8

const (
	shapeNone shapeKind = iota // only NULLs seen
	shapeBool
	shapeInt
	shapeFloat
	shapeString
	shapeObject
	shapeArray
)

// shape is the type inferred for the values found at one place in the
// records: a top-level field, a nested field or the elements of arrays.
type shape struct {
	kind   shapeKind
	names  []string // of an object's fields, in the order first seen
	index  map[string]int
	fields []*shape
	elem   *shape // of an array
}

// merge widens the shape to hold a value of kind k: integers and floats
// give floats, and any other mix of kinds gives strings (reading then
// takes the JSON text of the values that are not strings).
func (s *shape) merge(k shapeKind) {
	switch {
	case s.kind == k:
	case s.kind == shapeNone:
		s.kind = k
		switch k {
		case shapeObject:
			s.index = map[string]int{}
		case shapeArray:
			s.elem = &shape{}
		}
	case (s.kind == shapeInt && k == shapeFloat) || (s.kind == shapeFloat && k == shapeInt):
		s.kind = shapeFloat
	default:
		*s = shape{kind: shapeString}
	}
}

// add widens the shape to hold the value at tape index i.
func (s *shape) add(t *tape, i int32, o *Options, scratch *[]byte) {
	var k shapeKind
	switch t.toks[i].kind {
	case kindNull:
		return
	case kindTrue, kindFalse:
		k = shapeBool
	case kindInt:
		k = shapeInt
		if _, ok := parseInt(t.raw(i), 64); !ok {
			k = shapeFloat // too big for int64
		}
	case kindFloat:
		k = shapeFloat
	case kindString, kindEscaped:
		k = shapeString
	case kindObject:
		k = shapeObject
	case kindArray:
		k = shapeArray
	}
	if o.PrimitivesAsString && k < shapeString {
		k = shapeString
	}
	s.merge(k)
	end := t.toks[i].next
	switch s.kind {
	case shapeObject:
		for j := i + 1; j < end; {
			name := t.stringValue(j, scratch)
			f, ok := s.index[text(name)]
			if !ok {
				f = len(s.fields)
				s.index[string(name)] = f
				s.names = append(s.names, string(name))
				s.fields = append(s.fields, &shape{})
			}
			s.fields[f].add(t, j+1, o, scratch)
			j = t.toks[j+1].next
		}
	case shapeArray:
		for j := i + 1; j < end; j = t.toks[j].next {
			s.elem.add(t, j, o, scratch)
		}
	}
}

// arrowType is the shape's Arrow type, or false when the field is left
// out: an object with no fields, as Spark drops them, an array of such
// objects, and with DropFieldIfAllNull, fields that were always NULL.
func (s *shape) arrowType(o *Options) (arrow.DataType, bool) {
	switch s.kind {
	case shapeNone:
		return arrow.BinaryTypes.String, !o.DropFieldIfAllNull
	case shapeBool:
		return arrow.FixedWidthTypes.Boolean, true
	case shapeInt:
		return arrow.PrimitiveTypes.Int64, true
	case shapeFloat:
		return arrow.PrimitiveTypes.Float64, true
	case shapeString:
		return arrow.BinaryTypes.String, true
	case shapeObject:
		fields := s.arrowFields(o)
		if len(fields) == 0 {
			return nil, false
		}
		return arrow.StructOf(fields...), true
	case shapeArray:
		elem, ok := s.elem.arrowType(o)
		if !ok {
			return nil, false
		}
		return arrow.ListOf(elem), true
	}
	panic(fmt.Sprintf("jsonio: shape kind %d", s.kind))
}

func (s *shape) arrowFields(o *Options) []arrow.Field {
	var fields []arrow.Field
	for k, name := range s.names {
		if dt, ok := s.fields[k].arrowType(o); ok {
			fields = append(fields, arrow.Field{Name: name, Type: dt, Nullable: true})
		}
	}
	return fields
}

// inferSchema types the columns by sampling the first SamplingRows
// records of the files, in order: the top-level keys in the order first
// seen, typed as shape.merge and arrowType say. In PERMISSIVE mode a
// malformed record in the sample adds the corrupt-record column (last),
// as Spark does; DROPMALFORMED ignores it and FAILFAST fails.
func (s *Source) inferSchema() (*arrow.Schema, error) {
	root := &shape{}
	root.merge(shapeObject)
	var t tape
	var scratch []byte
	sampled, corrupt := 0, false
	for _, fi := range s.files {
		if sampled >= s.opts.SamplingRows {
			break
		}
		in, err := openLines(context.Background(), fi, textfile.Split{End: textfile.Unbounded})
		if err != nil {
			return nil, err
		}
		for sampled < s.opts.SamplingRows {
			line, start, err := in.next()
			if err != nil {
				in.close()
				return nil, err
			}
			if line == nil {
				break
			}
			if isBlank(line) {
				continue
			}
			sampled++
			cause := t.parse(line)
			if cause == nil && t.toks[0].kind != kindObject {
				cause = fmt.Errorf("the line holds %s, not a JSON object", describeKind(t.toks[0].kind))
			}
			if cause == nil {
				root.add(&t, 0, &s.opts, &scratch)
				continue
			}
			switch s.opts.Mode {
			case Permissive:
				corrupt = true
			case FailFast:
				err := parsemode.Malformed("jsonio", ErrMalformed, in.where(start), cause, line)
				in.close()
				return nil, err
			}
		}
		in.close()
	}
	if sampled == 0 {
		return nil, fmt.Errorf("jsonio: %s: no records to take a schema from; pass a schema", s.files[0].Path)
	}
	fields := root.arrowFields(&s.opts)
	for i, f := range fields {
		if f.Name == s.opts.CorruptColumn {
			// The column is the corrupt-record column, never data.
			fields[i].Type, corrupt = arrow.BinaryTypes.String, false
		}
	}
	if corrupt {
		fields = append(fields, arrow.Field{Name: s.opts.CorruptColumn, Type: arrow.BinaryTypes.String, Nullable: true})
	}
	return arrow.NewSchema(fields, nil), nil
}
