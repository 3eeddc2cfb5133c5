package plan

import (
	"fmt"
	"regexp"

	"github.com/apache/arrow-go/v18/arrow"
)

var namedTypes = map[string]arrow.DataType{}

func init() {
	for _, t := range []arrow.DataType{
		arrow.Null, arrow.FixedWidthTypes.Boolean,
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.Binary,
		arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
	} {
		namedTypes[t.String()] = t
	}
}

var timestampPattern = regexp.MustCompile(`^timestamp\[(s|ms|us|ns)(?:, tz=(.*))?\]$`)

// ParseType reads a type from the text DataType.String gives for the
// types plans carry (primitives, strings, binary, dates, timestamps).
func ParseType(s string) (arrow.DataType, error) {
	if t, ok := namedTypes[s]; ok {
		return t, nil
	}
	if m := timestampPattern.FindStringSubmatch(s); m != nil {
		units := map[string]arrow.TimeUnit{"s": arrow.Second, "ms": arrow.Millisecond, "us": arrow.Microsecond, "ns": arrow.Nanosecond}
		return &arrow.TimestampType{Unit: units[m[1]], TimeZone: m[2]}, nil
	}
	return nil, fmt.Errorf("plan: cannot decode type %q", s)
}

// EncodedField is a schema field in a serialized plan.
type EncodedField struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable,omitempty"`
}

// EncodeSchema turns a schema into its serialized form.
func EncodeSchema(s *arrow.Schema) []EncodedField {
	out := make([]EncodedField, s.NumFields())
	for i, f := range s.Fields() {
		out[i] = EncodedField{Name: f.Name, Type: f.Type.String(), Nullable: f.Nullable}
	}
	return out
}

// DecodeSchema rebuilds a schema from its serialized form.
func DecodeSchema(fields []EncodedField) (*arrow.Schema, error) {
	out := make([]arrow.Field, len(fields))
	for i, f := range fields {
		t, err := ParseType(f.Type)
		if err != nil {
			return nil, err
		}
		out[i] = arrow.Field{Name: f.Name, Type: t, Nullable: f.Nullable}
	}
	return arrow.NewSchema(out, nil), nil
}
