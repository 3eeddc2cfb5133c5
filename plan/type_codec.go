package plan

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
)

// Types travel in two parts. Every field and every typed expression carries
// its type's name (DataType.String), which people read in plan dumps and
// _SUCCESS manifests, and which is all that plans and manifests written
// before format version 2 carry. A type with parameters or children also
// carries its complete form, an EncodedType tree, under "arrow"; the
// types without parameters (namedTypes) and timestamps, whose names say
// everything and which version 1 read by name, do not. A reader uses the
// tree when there is one and reads the name (ParseType) otherwise.

// namedTypes are the types without parameters: their name says everything.
var namedTypes = map[string]arrow.DataType{}

func init() {
	for _, t := range []arrow.DataType{
		arrow.Null, arrow.FixedWidthTypes.Boolean,
		arrow.PrimitiveTypes.Int8, arrow.PrimitiveTypes.Int16, arrow.PrimitiveTypes.Int32, arrow.PrimitiveTypes.Int64,
		arrow.PrimitiveTypes.Uint8, arrow.PrimitiveTypes.Uint16, arrow.PrimitiveTypes.Uint32, arrow.PrimitiveTypes.Uint64,
		arrow.FixedWidthTypes.Float16, arrow.PrimitiveTypes.Float32, arrow.PrimitiveTypes.Float64,
		arrow.BinaryTypes.String, arrow.BinaryTypes.LargeString, arrow.BinaryTypes.StringView,
		arrow.BinaryTypes.Binary, arrow.BinaryTypes.LargeBinary, arrow.BinaryTypes.BinaryView,
		arrow.FixedWidthTypes.Date32, arrow.FixedWidthTypes.Date64,
		arrow.FixedWidthTypes.MonthInterval, arrow.FixedWidthTypes.DayTimeInterval, arrow.FixedWidthTypes.MonthDayNanoInterval,
	} {
		namedTypes[t.String()] = t
	}
}

var (
	timestampPattern = regexp.MustCompile(`^timestamp\[(s|ms|us|ns)(?:, tz=(.*))?\]$`)
	unitTypePattern  = regexp.MustCompile(`^(time32|time64|duration)\[(s|ms|us|ns)\]$`)
	decimalPattern   = regexp.MustCompile(`^(decimal|decimal32|decimal64|decimal256)\((\d+), (-?\d+)\)$`)
	fixedSizePattern = regexp.MustCompile(`^fixed_size_binary\[(\d+)\]$`)
	decimalIDs       = map[string]arrow.Type{
		"decimal": arrow.DECIMAL128, "decimal128": arrow.DECIMAL128, "decimal256": arrow.DECIMAL256,
		"decimal32": arrow.DECIMAL32, "decimal64": arrow.DECIMAL64,
	}
)

// ParseType reads a type from the text DataType.String gives for it:
// the types without parameters (primitives, float16, strings, binaries and
// their large and view forms, dates, intervals), timestamps, time32,
// time64, durations, decimals and fixed_size_binary. Nested types have no
// readable name; they travel as an EncodedType.
func ParseType(s string) (arrow.DataType, error) {
	if t, ok := namedTypes[s]; ok {
		return t, nil
	}
	if m := timestampPattern.FindStringSubmatch(s); m != nil {
		unit, _ := parseUnit(m[1])
		return &arrow.TimestampType{Unit: unit, TimeZone: m[2]}, nil
	}
	if m := unitTypePattern.FindStringSubmatch(s); m != nil {
		if t, err := unitType(m[1], m[2]); err == nil {
			return t, nil
		}
	}
	if m := decimalPattern.FindStringSubmatch(s); m != nil {
		prec, err1 := strconv.ParseInt(m[2], 10, 32)
		scale, err2 := strconv.ParseInt(m[3], 10, 32)
		if err1 == nil && err2 == nil {
			if t, err := arrow.NewDecimalType(decimalIDs[m[1]], int32(prec), int32(scale)); err == nil {
				return t, nil
			}
		}
	}
	if m := fixedSizePattern.FindStringSubmatch(s); m != nil {
		if n, err := strconv.Atoi(m[1]); err == nil && n > 0 {
			return &arrow.FixedSizeBinaryType{ByteWidth: n}, nil
		}
	}
	return nil, fmt.Errorf("plan: cannot decode type %q", s)
}

func parseUnit(s string) (arrow.TimeUnit, error) {
	for _, u := range arrow.TimeUnitValues {
		if u.String() == s {
			return u, nil
		}
	}
	return 0, fmt.Errorf("unknown time unit %q (want s, ms, us or ns)", s)
}

// unitType builds time32, time64 or duration of a unit, refusing units
// the type does not have (time32 counts s or ms, time64 us or ns).
func unitType(id, unit string) (arrow.DataType, error) {
	u, err := parseUnit(unit)
	if err != nil {
		return nil, err
	}
	switch {
	case id == "time32" && (u == arrow.Second || u == arrow.Millisecond):
		return &arrow.Time32Type{Unit: u}, nil
	case id == "time64" && (u == arrow.Microsecond || u == arrow.Nanosecond):
		return &arrow.Time64Type{Unit: u}, nil
	case id == "duration":
		return &arrow.DurationType{Unit: u}, nil
	}
	return nil, fmt.Errorf("%s has no unit %s", id, unit)
}

// EncodedField is a schema field in a serialized plan or manifest:
//
//	{"name": "id", "type": "int64", "nullable": true}
//	{"name": "price", "type": "decimal(10, 2)", "arrow": {"id": "decimal128", "precision": 10, "scale": 2}}
//
// Type is the type's name (DataType.String). Arrow, the complete type, is
// set for every type with parameters or children but timestamps, and
// absent for the types whose name says everything, so a flat schema reads
// as it did before format version 2, and fields written then (without
// Arrow) still decode.
type EncodedField struct {
	Name     string            `json:"name"`
	Type     string            `json:"type"`
	Nullable bool              `json:"nullable,omitempty"`
	Arrow    *EncodedType      `json:"arrow,omitempty"`
	Metadata map[string]string `json:"metadata,omitempty"`
}

// EncodedType is the complete wire form of an Arrow type with parameters
// or children. ID names the kind: decimal32, decimal64, decimal128,
// decimal256 (Precision, Scale); timestamp (Unit, TimeZone: read, though
// timestamps travel by name); time32, time64, duration (Unit: s, ms, us
// or ns); fixed_size_binary (ByteWidth); list, large_list, list_view, large_list_view (Fields: the
// element); fixed_size_list (Size, Fields: the element); struct (Fields);
// map (Fields: key and value, KeysSorted); dictionary (Fields: "indices"
// and "values", Ordered); sparse_union, dense_union (Fields, TypeCodes);
// run_end_encoded (Fields: "run_ends" and "values"); extension (Name,
// Data: its serialized parameters, Fields: "storage"). An ID that is a
// type name ParseType reads stands for that type.
type EncodedType struct {
	ID         string                `json:"id"`
	Precision  int32                 `json:"precision,omitempty"`
	Scale      int32                 `json:"scale,omitempty"`
	Unit       string                `json:"unit,omitempty"`
	TimeZone   string                `json:"tz,omitempty"`
	ByteWidth  int                   `json:"byte_width,omitempty"`
	Size       int32                 `json:"size,omitempty"`
	KeysSorted bool                  `json:"keys_sorted,omitempty"`
	Ordered    bool                  `json:"ordered,omitempty"`
	TypeCodes  []arrow.UnionTypeCode `json:"type_codes,omitempty"`
	Name       string                `json:"name,omitempty"`
	Data       []byte                `json:"data,omitempty"`
	Fields     []EncodedField        `json:"fields,omitempty"`
}

// EncodeFields turns fields into their serialized form. It fails, with an
// error wrapping ErrNotPortable that names the field and its type, for a
// type that would not decode to itself: an extension type that is not
// registered with arrow.RegisterExtensionType, or a malformed type.
// Sources whose Config can fail should use it, so that such a type fails
// at Marshal rather than where the plan is decoded.
func EncodeFields(fields []arrow.Field) ([]EncodedField, error) {
	out, err := encodeFields(fields)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	return out, nil
}

// encodeFields is EncodeFields with errors the caller prefixes.
func encodeFields(fields []arrow.Field) ([]EncodedField, error) {
	out := make([]EncodedField, len(fields))
	for i, f := range fields {
		ef, err := encodeField(f)
		if err == nil {
			err = checkRoundTrip(f.Type, func() (arrow.DataType, error) {
				back, err := ef.field()
				if err == nil && !back.Equal(f) {
					err = fmt.Errorf("field metadata %v does not survive", f.Metadata)
				}
				return back.Type, err
			})
		}
		if err != nil {
			return nil, fmt.Errorf("field %q: %w", f.Name, err)
		}
		out[i] = ef
	}
	return out, nil
}

// EncodeSchema turns a schema's fields into their serialized form (the
// schema's own metadata is not kept). It is EncodeFields for callers that
// cannot return an error: a field whose type EncodeFields refuses keeps
// only its name, which DecodeSchema then refuses.
func EncodeSchema(s *arrow.Schema) []EncodedField {
	out := make([]EncodedField, s.NumFields())
	for i, f := range s.Fields() {
		enc, err := encodeFields([]arrow.Field{f})
		if err != nil {
			out[i] = EncodedField{Name: f.Name, Type: f.Type.String(), Nullable: f.Nullable}
			continue
		}
		out[i] = enc[0]
	}
	return out
}

// DecodeSchema rebuilds a schema from its serialized form, either form:
// fields with an Arrow tree and fields with a type name only.
func DecodeSchema(fields []EncodedField) (*arrow.Schema, error) {
	out := make([]arrow.Field, len(fields))
	for i, f := range fields {
		var err error
		if out[i], err = f.field(); err != nil {
			return nil, fmt.Errorf("plan: decoding field %q: %w", f.Name, err)
		}
	}
	return arrow.NewSchema(out, nil), nil
}

// encodeType returns t's name and, for a type with parameters or children,
// its complete form, checked to decode to t again. Its errors wrap
// ErrNotPortable and lack the package prefix.
func encodeType(t arrow.DataType) (string, *EncodedType, error) {
	if t == nil {
		return "", nil, fmt.Errorf("%w: expression without a type", ErrNotPortable)
	}
	tree, err := typeTree(t)
	if err == nil {
		err = checkRoundTrip(t, func() (arrow.DataType, error) {
			if tree == nil {
				return ParseType(t.String())
			}
			return tree.dataType()
		})
	}
	if err != nil {
		return "", nil, err
	}
	return t.String(), tree, nil
}

// checkRoundTrip decodes what was encoded for t and fails, naming t, when
// that is not t: Marshal refuses what Unmarshal could not rebuild.
func checkRoundTrip(t arrow.DataType, decode func() (arrow.DataType, error)) error {
	back, err := decode()
	if err == nil && (!arrow.TypeEqual(back, t, arrow.CheckMetadata()) || back.String() != t.String()) {
		err = fmt.Errorf("it decodes as %s", back)
	}
	if err != nil {
		return fmt.Errorf("%w: type %s has no wire form: %w", ErrNotPortable, t, err)
	}
	return nil
}

// decodeType rebuilds a type from its name and its tree, if any.
func decodeType(name string, tree *EncodedType) (arrow.DataType, error) {
	if tree == nil {
		return ParseType(name)
	}
	t, err := tree.dataType()
	if err != nil {
		return nil, fmt.Errorf("plan: decoding type %s: %w", name, err)
	}
	return t, nil
}

func encodeField(f arrow.Field) (EncodedField, error) {
	if f.Type == nil {
		return EncodedField{}, fmt.Errorf("%w: field %q has no type", ErrNotPortable, f.Name)
	}
	tree, err := typeTree(f.Type)
	if err != nil {
		return EncodedField{}, err
	}
	ef := EncodedField{Name: f.Name, Type: f.Type.String(), Nullable: f.Nullable, Arrow: tree}
	if f.Metadata.Len() > 0 {
		ef.Metadata = f.Metadata.ToMap()
	}
	return ef, nil
}

// field rebuilds the field; its errors name the nested field they are
// about, and the caller adds the package prefix.
func (f EncodedField) field() (arrow.Field, error) {
	out := arrow.Field{Name: f.Name, Nullable: f.Nullable}
	if f.Metadata != nil {
		out.Metadata = arrow.MetadataFrom(f.Metadata)
	}
	var err error
	if f.Arrow == nil {
		out.Type, err = ParseType(f.Type)
	} else {
		out.Type, err = f.Arrow.dataType()
	}
	return out, err
}

func encodeFieldList(fields ...arrow.Field) ([]EncodedField, error) {
	return mapAll(fields, encodeField)
}

// typeTree is t's complete form, nil for the types whose name says
// everything.
func typeTree(t arrow.DataType) (*EncodedType, error) {
	tree := &EncodedType{}
	var err error
	switch t := t.(type) {
	case arrow.ExtensionType:
		name := t.ExtensionName()
		if arrow.GetExtensionType(name) == nil {
			return nil, fmt.Errorf("%w: extension type %s (%q) is not registered with arrow.RegisterExtensionType", ErrNotPortable, t, name)
		}
		tree.ID, tree.Name, tree.Data = "extension", name, []byte(t.Serialize())
		tree.Fields, err = encodeFieldList(arrow.Field{Name: "storage", Type: t.StorageType()})
	case *arrow.Decimal32Type:
		tree.ID, tree.Precision, tree.Scale = "decimal32", t.Precision, t.Scale
	case *arrow.Decimal64Type:
		tree.ID, tree.Precision, tree.Scale = "decimal64", t.Precision, t.Scale
	case *arrow.Decimal128Type:
		tree.ID, tree.Precision, tree.Scale = "decimal128", t.Precision, t.Scale
	case *arrow.Decimal256Type:
		tree.ID, tree.Precision, tree.Scale = "decimal256", t.Precision, t.Scale
	case *arrow.Time32Type:
		tree.ID, tree.Unit = "time32", t.Unit.String()
	case *arrow.Time64Type:
		tree.ID, tree.Unit = "time64", t.Unit.String()
	case *arrow.DurationType:
		tree.ID, tree.Unit = "duration", t.Unit.String()
	case *arrow.FixedSizeBinaryType:
		tree.ID, tree.ByteWidth = "fixed_size_binary", t.ByteWidth
	case *arrow.ListType:
		tree.ID = "list"
		tree.Fields, err = encodeFieldList(t.ElemField())
	case *arrow.LargeListType:
		tree.ID = "large_list"
		tree.Fields, err = encodeFieldList(t.ElemField())
	case *arrow.ListViewType:
		tree.ID = "list_view"
		tree.Fields, err = encodeFieldList(t.ElemField())
	case *arrow.LargeListViewType:
		tree.ID = "large_list_view"
		tree.Fields, err = encodeFieldList(t.ElemField())
	case *arrow.FixedSizeListType:
		tree.ID, tree.Size = "fixed_size_list", t.Len()
		tree.Fields, err = encodeFieldList(t.ElemField())
	case *arrow.StructType:
		tree.ID = "struct"
		tree.Fields, err = encodeFieldList(t.Fields()...)
	case *arrow.MapType:
		tree.ID, tree.KeysSorted = "map", t.KeysSorted
		tree.Fields, err = encodeFieldList(t.KeyField(), t.ItemField())
	case *arrow.DictionaryType:
		tree.ID, tree.Ordered = "dictionary", t.Ordered
		tree.Fields, err = encodeFieldList(arrow.Field{Name: "indices", Type: t.IndexType}, arrow.Field{Name: "values", Type: t.ValueType})
	case arrow.UnionType:
		tree.ID, tree.TypeCodes = t.Name(), t.TypeCodes()
		tree.Fields, err = encodeFieldList(t.Fields()...)
	case *arrow.RunEndEncodedType:
		tree.ID = "run_end_encoded"
		tree.Fields, err = encodeFieldList(t.Fields()...)
	case *arrow.TimestampType:
		return nil, nil // its name says everything, and version 1 reads it
	default:
		if named, ok := namedTypes[t.String()]; ok && named.ID() == t.ID() {
			return nil, nil
		}
		return nil, fmt.Errorf("%w: type %s (%T) has no wire form", ErrNotPortable, t, t)
	}
	if err != nil {
		return nil, err
	}
	return tree, nil
}

// dataType rebuilds the type, checking what arrow's constructors would
// panic on, since the tree may come from anywhere.
func (e *EncodedType) dataType() (arrow.DataType, error) {
	fields, err := mapAll(e.Fields, func(f EncodedField) (arrow.Field, error) {
		out, err := f.field()
		if err != nil {
			return out, fmt.Errorf("field %q: %w", f.Name, err)
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	want := func(n int) error {
		if len(fields) != n {
			return fmt.Errorf("%s has %d fields, want %d", e.ID, len(fields), n)
		}
		return nil
	}
	switch e.ID {
	case "decimal32", "decimal64", "decimal128", "decimal256":
		return arrow.NewDecimalType(decimalIDs[e.ID], e.Precision, e.Scale)
	case "timestamp":
		unit, err := parseUnit(e.Unit)
		if err != nil {
			return nil, err
		}
		return &arrow.TimestampType{Unit: unit, TimeZone: e.TimeZone}, nil
	case "time32", "time64", "duration":
		return unitType(e.ID, e.Unit)
	case "fixed_size_binary":
		if e.ByteWidth <= 0 {
			return nil, fmt.Errorf("fixed_size_binary of %d bytes", e.ByteWidth)
		}
		return &arrow.FixedSizeBinaryType{ByteWidth: e.ByteWidth}, nil
	case "list", "large_list", "list_view", "large_list_view", "fixed_size_list":
		if err := want(1); err != nil {
			return nil, err
		}
		switch e.ID {
		case "list":
			return arrow.ListOfField(fields[0]), nil
		case "large_list":
			return arrow.LargeListOfField(fields[0]), nil
		case "list_view":
			return arrow.ListViewOfField(fields[0]), nil
		case "large_list_view":
			return arrow.LargeListViewOfField(fields[0]), nil
		}
		if e.Size <= 0 {
			return nil, fmt.Errorf("fixed_size_list of %d elements", e.Size)
		}
		return arrow.FixedSizeListOfField(e.Size, fields[0]), nil
	case "struct":
		return arrow.StructOf(fields...), nil
	case "map":
		if err := want(2); err != nil {
			return nil, err
		}
		if fields[0].Nullable {
			return nil, fmt.Errorf("map with a nullable key")
		}
		m := arrow.MapOfFields(fields[0], fields[1])
		m.KeysSorted = e.KeysSorted
		return m, nil
	case "dictionary":
		if err := want(2); err != nil {
			return nil, err
		}
		if !isInteger(fields[0].Type) {
			return nil, fmt.Errorf("dictionary indices of type %s, want an integer type", fields[0].Type)
		}
		return &arrow.DictionaryType{IndexType: fields[0].Type, ValueType: fields[1].Type, Ordered: e.Ordered}, nil
	case "sparse_union", "dense_union":
		if len(e.TypeCodes) != len(fields) {
			return nil, fmt.Errorf("%s has %d fields and %d type codes", e.ID, len(fields), len(e.TypeCodes))
		}
		seen := map[arrow.UnionTypeCode]bool{}
		for _, c := range e.TypeCodes {
			if c < 0 || seen[c] {
				return nil, fmt.Errorf("%s type codes %v are not distinct and non-negative", e.ID, e.TypeCodes)
			}
			seen[c] = true
		}
		if e.ID == "sparse_union" {
			return arrow.SparseUnionOf(fields, e.TypeCodes), nil
		}
		return arrow.DenseUnionOf(fields, e.TypeCodes), nil
	case "run_end_encoded":
		if err := want(2); err != nil {
			return nil, err
		}
		ree := arrow.RunEndEncodedOf(fields[0].Type, fields[1].Type)
		if !ree.ValidRunEndsType(fields[0].Type) {
			return nil, fmt.Errorf("run ends of type %s, want int16, int32 or int64", fields[0].Type)
		}
		ree.ValueNullable = fields[1].Nullable
		return ree, nil
	case "extension":
		if err := want(1); err != nil {
			return nil, err
		}
		proto := arrow.GetExtensionType(e.Name)
		if proto == nil {
			return nil, fmt.Errorf("extension type %q is not registered in this process (arrow.RegisterExtensionType)", e.Name)
		}
		return proto.Deserialize(fields[0].Type, string(e.Data))
	}
	if t, ok := namedTypes[e.ID]; ok {
		return t, nil
	}
	return nil, fmt.Errorf("unknown type id %q", e.ID)
}
