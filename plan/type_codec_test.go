package plan_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/plan"
)

// labelType is an extension type for the codec tests: a storage type with
// a label as its serialized parameter.
type labelType struct {
	arrow.ExtensionBase
	name, label string
}

type labelArray struct{ array.ExtensionArrayBase }

func newLabel(name, label string, storage arrow.DataType) *labelType {
	return &labelType{ExtensionBase: arrow.ExtensionBase{Storage: storage}, name: name, label: label}
}

func (t *labelType) ArrayType() reflect.Type { return reflect.TypeOf(labelArray{}) }
func (t *labelType) ExtensionName() string   { return t.name }
func (t *labelType) Serialize() string       { return t.label }
func (t *labelType) String() string          { return fmt.Sprintf("%s[%s]<%s>", t.name, t.label, t.Storage) }
func (t *labelType) Deserialize(storage arrow.DataType, data string) (arrow.ExtensionType, error) {
	return newLabel(t.name, data, storage), nil
}
func (t *labelType) ExtensionEquals(o arrow.ExtensionType) bool {
	u, ok := o.(*labelType)
	return ok && u.name == t.name && u.label == t.label && arrow.TypeEqual(u.Storage, t.Storage)
}

func init() {
	if err := arrow.RegisterExtensionType(newLabel("ember.test.label", "", arrow.BinaryTypes.String)); err != nil {
		panic(err)
	}
}

// typedSource is a fileSource whose schema need not decode.
type typedSource struct {
	fileSource
	schema *arrow.Schema
}

func (s *typedSource) Schema() *arrow.Schema { return s.schema }

// unregistered is an extension type no process can decode.
var unregistered = newLabel("ember.test.unregistered", "x", arrow.PrimitiveTypes.Int64)

var (
	tsUTC = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	meta  = arrow.NewMetadata([]string{"unit", "source"}, []string{"cm", "sensor 7"})
)

// wireTypes is every kind of type a plan can carry. value is a literal of
// the type, where literals hold values of it (nil: only NULL); cast marks
// the types a string casts to.
var wireTypes = []struct {
	name  string
	typ   arrow.DataType
	value any
	cast  bool
}{
	{"null", arrow.Null, nil, false},
	{"bool", arrow.FixedWidthTypes.Boolean, true, true},
	{"int8", arrow.PrimitiveTypes.Int8, int64(-8), true},
	{"int16", arrow.PrimitiveTypes.Int16, int64(-16), true},
	{"int32", arrow.PrimitiveTypes.Int32, int64(-32), true},
	{"int64", arrow.PrimitiveTypes.Int64, int64(math.MinInt64), true},
	{"uint8", arrow.PrimitiveTypes.Uint8, uint64(8), true},
	{"uint16", arrow.PrimitiveTypes.Uint16, uint64(16), true},
	{"uint32", arrow.PrimitiveTypes.Uint32, uint64(32), true},
	{"uint64", arrow.PrimitiveTypes.Uint64, uint64(math.MaxUint64), true},
	{"float16", arrow.FixedWidthTypes.Float16, nil, false},
	{"float32", arrow.PrimitiveTypes.Float32, 1.5, true},
	{"float64", arrow.PrimitiveTypes.Float64, math.Inf(1), true},
	{"decimal32", &arrow.Decimal32Type{Precision: 9, Scale: 3}, nil, false},
	{"decimal64", &arrow.Decimal64Type{Precision: 18, Scale: 4}, nil, false},
	{"decimal128", &arrow.Decimal128Type{Precision: 10, Scale: 2}, nil, true},
	{"decimal128 negative scale", &arrow.Decimal128Type{Precision: 38, Scale: -3}, nil, true},
	{"decimal256", &arrow.Decimal256Type{Precision: 76, Scale: 10}, nil, false},
	{"date32", arrow.FixedWidthTypes.Date32, int64(19000), true},
	{"date64", arrow.FixedWidthTypes.Date64, int64(1641600000000), true},
	{"time32 s", arrow.FixedWidthTypes.Time32s, int64(3600), false},
	{"time32 ms", arrow.FixedWidthTypes.Time32ms, int64(1), false},
	{"time64 us", arrow.FixedWidthTypes.Time64us, int64(2), false},
	{"time64 ns", arrow.FixedWidthTypes.Time64ns, int64(3), false},
	{"timestamp s", &arrow.TimestampType{Unit: arrow.Second}, int64(1), true},
	{"timestamp us UTC", tsUTC, int64(1700000000000000), true},
	{"timestamp ns zone", &arrow.TimestampType{Unit: arrow.Nanosecond, TimeZone: "America/New_York"}, int64(-1), true},
	{"duration s", arrow.FixedWidthTypes.Duration_s, int64(60), false},
	{"duration ns", arrow.FixedWidthTypes.Duration_ns, int64(-5), false},
	{"month interval", arrow.FixedWidthTypes.MonthInterval, nil, false},
	{"day time interval", arrow.FixedWidthTypes.DayTimeInterval, nil, false},
	{"month day nano interval", arrow.FixedWidthTypes.MonthDayNanoInterval, nil, false},
	{"utf8", arrow.BinaryTypes.String, "a\"b", true},
	{"large utf8", arrow.BinaryTypes.LargeString, "large", true},
	{"string view", arrow.BinaryTypes.StringView, "view", false},
	{"binary", arrow.BinaryTypes.Binary, []byte{0, 1}, false},
	{"large binary", arrow.BinaryTypes.LargeBinary, []byte{2}, false},
	{"binary view", arrow.BinaryTypes.BinaryView, []byte{3}, false},
	{"fixed size binary", &arrow.FixedSizeBinaryType{ByteWidth: 4}, []byte{1, 2, 3, 4}, false},
	{"list", arrow.ListOf(arrow.PrimitiveTypes.Int64), nil, false},
	{"list named element", arrow.ListOfField(arrow.Field{Name: "pixel", Type: arrow.PrimitiveTypes.Uint8, Metadata: meta}), nil, false},
	{"large list", arrow.LargeListOfNonNullable(arrow.BinaryTypes.String), nil, false},
	{"list view", arrow.ListViewOf(arrow.PrimitiveTypes.Float32), nil, false},
	{"large list view", arrow.LargeListViewOf(arrow.FixedWidthTypes.Boolean), nil, false},
	{"image tensor", arrow.FixedSizeListOfNonNullable(150528, arrow.PrimitiveTypes.Float32), nil, false},
	{"fixed size list nullable", arrow.FixedSizeListOf(3, &arrow.Decimal128Type{Precision: 5, Scale: 1}), nil, false},
	{"struct", arrow.StructOf(
		arrow.Field{Name: "a", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		arrow.Field{Name: "b, c", Type: arrow.StructOf(
			arrow.Field{Name: "tags", Type: arrow.ListOf(arrow.BinaryTypes.String), Metadata: meta},
			arrow.Field{Name: "at", Type: tsUTC, Nullable: true},
		)},
	), nil, false},
	{"empty struct", arrow.StructOf(), nil, false},
	{"map", arrow.MapOf(arrow.BinaryTypes.String, arrow.PrimitiveTypes.Int32), nil, false},
	{"map sorted", func() arrow.DataType {
		m := arrow.MapOfWithMetadata(arrow.PrimitiveTypes.Int16, meta, arrow.ListOf(arrow.PrimitiveTypes.Float64), arrow.Metadata{})
		m.KeysSorted = true
		m.SetItemNullable(false)
		return m
	}(), nil, false},
	{"dictionary", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Int32, ValueType: arrow.BinaryTypes.String}, nil, false},
	{"dictionary ordered", &arrow.DictionaryType{IndexType: arrow.PrimitiveTypes.Uint8, ValueType: &arrow.Decimal128Type{Precision: 4, Scale: 2}, Ordered: true}, nil, false},
	{"sparse union", arrow.SparseUnionOf([]arrow.Field{
		{Name: "i", Type: arrow.PrimitiveTypes.Int32, Nullable: true},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
	}, []arrow.UnionTypeCode{5, 2}), nil, false},
	{"dense union", arrow.DenseUnionOf([]arrow.Field{{Name: "f", Type: arrow.PrimitiveTypes.Float64, Nullable: true}}, []arrow.UnionTypeCode{0}), nil, false},
	{"run end encoded", arrow.RunEndEncodedOf(arrow.PrimitiveTypes.Int32, arrow.BinaryTypes.String), nil, false},
	{"extension", newLabel("ember.test.label", "celsius", arrow.PrimitiveTypes.Float64), nil, false},
}

// sameType fails unless got is want: equal with metadata, and with the
// same name (which also tells element names apart).
func sameType(t *testing.T, what string, got, want arrow.DataType) {
	t.Helper()
	if got == nil || !arrow.TypeEqual(got, want, arrow.CheckMetadata()) || got.String() != want.String() {
		t.Fatalf("%s: got %v, want %s", what, got, want)
	}
}

func TestSchemaRoundTrip(t *testing.T) {
	for _, c := range wireTypes {
		t.Run(c.name, func(t *testing.T) {
			want := arrow.Field{Name: "c", Type: c.typ, Nullable: true, Metadata: meta}
			enc, err := plan.EncodeFields([]arrow.Field{want})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(plan.EncodeSchema(arrow.NewSchema([]arrow.Field{want}, nil)), enc) {
				t.Fatalf("EncodeSchema and EncodeFields differ")
			}
			data, err := json.Marshal(enc)
			if err != nil {
				t.Fatal(err)
			}
			var back []plan.EncodedField
			if err := json.Unmarshal(data, &back); err != nil {
				t.Fatal(err)
			}
			s, err := plan.DecodeSchema(back)
			if err != nil {
				t.Fatalf("%v\n%s", err, data)
			}
			if got := s.Field(0); !got.Equal(want) {
				t.Fatalf("decoded %s, want %s\n%s", got, want, data)
			}
			sameType(t, string(data), s.Field(0).Type, c.typ)
		})
	}
}

func TestExprTypesRoundTrip(t *testing.T) {
	for _, c := range wireTypes {
		t.Run(c.name, func(t *testing.T) {
			cast, err := plan.RoundTripExpr(&plan.Cast{Child: plan.Col("s"), To: c.typ})
			if err != nil {
				t.Fatal(err)
			}
			sameType(t, "cast", cast.(*plan.Cast).To, c.typ)
			for _, v := range []any{nil, c.value} {
				lit, err := plan.RoundTripExpr(plan.TypedLit(v, c.typ))
				if err != nil {
					t.Fatal(err)
				}
				sameType(t, "literal", lit.Type(), c.typ)
				if got := lit.(*plan.Literal).Value; !reflect.DeepEqual(got, v) && !(v == nil && got == nil) {
					t.Fatalf("literal value %#v, want %#v", got, v)
				}
			}
		})
	}
}

// TestPlanTypesRoundTrip sends a plan that reads a column of every type,
// makes a literal of each and casts a string to each type a string casts
// to.
func TestPlanTypesRoundTrip(t *testing.T) {
	fields := []arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true}}
	for i, c := range wireTypes {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("c%d", i), Type: c.typ, Nullable: i%2 == 0})
	}
	schema := arrow.NewSchema(fields, nil)
	scan := &plan.Scan{Source: &fileSource{Path: "/data/all", Fields: plan.EncodeSchema(schema)}}
	var exprs []plan.Expr
	for i, c := range wireTypes {
		exprs = append(exprs,
			plan.Col(fmt.Sprintf("c%d", i)),
			&plan.Alias{Child: plan.TypedLit(c.value, c.typ), Name: fmt.Sprintf("lit%d", i)},
			&plan.Alias{Child: plan.TypedLit(nil, c.typ), Name: fmt.Sprintf("null%d", i)})
		if c.cast {
			exprs = append(exprs, &plan.Alias{Child: &plan.Cast{Child: plan.Col("s"), To: c.typ}, Name: fmt.Sprintf("cast%d", i)})
		}
	}
	p := must(plan.NewProject(scan, exprs...))
	data, err := plan.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(data), `{"ember_plan":2,"op":"project",`) {
		t.Fatalf("no version envelope: %.60s", data)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := plan.Explain(back), plan.Explain(p); got != want {
		t.Fatalf("decoded\n%s\nwant\n%s", got, want)
	}
	if !back.Schema().Equal(p.Schema()) {
		t.Fatalf("schema %s, want %s", back.Schema(), p.Schema())
	}
	for i, f := range p.Schema().Fields() {
		sameType(t, f.Name, back.Schema().Field(i).Type, f.Type)
	}
}

// TestCastDecimal is issue 12's case: a cast to decimal(10, 2) marshals,
// and the plan it decodes to has the original's schema.
func TestCastDecimal(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "price", Type: arrow.BinaryTypes.String, Nullable: true}}, nil)
	scan := &plan.Scan{Source: &fileSource{Path: "/data/prices", Fields: plan.EncodeSchema(schema)}}
	dec := &arrow.Decimal128Type{Precision: 10, Scale: 2}
	p := must(plan.NewProject(scan, &plan.Alias{Child: &plan.Cast{Child: plan.Col("price"), To: dec}, Name: "amount"}))
	data, err := plan.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"op":"cast","type":"decimal(10, 2)","arrow":{"id":"decimal128","precision":10,"scale":2}`
	if !strings.Contains(string(data), want) {
		t.Fatalf("plan lacks %s:\n%s", want, data)
	}
	back, err := plan.Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Schema().Equal(p.Schema()) {
		t.Fatalf("schema %s, want %s", back.Schema(), p.Schema())
	}
}

// TestDecodeOldForms reads what earlier versions wrote: fields with a type
// name only (in _SUCCESS manifests and source configs) and unversioned
// plans.
func TestDecodeOldForms(t *testing.T) {
	var fields []plan.EncodedField
	old := `[{"name":"id","type":"int64","nullable":true},{"name":"ts","type":"timestamp[us, tz=UTC]"},` +
		`{"name":"s","type":"utf8","nullable":true},{"name":"d","type":"date32"},{"name":"b","type":"binary"}]`
	if err := json.Unmarshal([]byte(old), &fields); err != nil {
		t.Fatal(err)
	}
	s, err := plan.DecodeSchema(fields)
	if err != nil {
		t.Fatal(err)
	}
	want := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "ts", Type: tsUTC},
		{Name: "s", Type: arrow.BinaryTypes.String, Nullable: true},
		{Name: "d", Type: arrow.FixedWidthTypes.Date32},
		{Name: "b", Type: arrow.BinaryTypes.Binary},
	}, nil)
	if !s.Equal(want) {
		t.Fatalf("decoded %s, want %s", s, want)
	}
	// The flat fields read the same in both forms, so earlier readers
	// still read manifests this version writes for them.
	if got := plan.EncodeSchema(want); !reflect.DeepEqual(got, fields) {
		t.Fatalf("EncodeSchema = %+v, want %+v", got, fields)
	}

	// What Marshal wrote before format versions existed.
	unversioned := `{"op":"project","inputs":[{"op":"scan","kind":"test-file","config":{"path":"/data/in","fields":[` +
		`{"name":"s","type":"utf8","nullable":true},{"name":"ts","type":"timestamp[us, tz=UTC]"}]}}],"exprs":[` +
		`{"op":"alias","name":"n","children":[{"op":"cast","type":"int32","children":[{"op":"col","name":"s"}]}]},` +
		`{"op":"alias","name":"late","children":[{"op":"binary","name":"\u003e","children":[{"op":"col","name":"ts"},` +
		`{"op":"lit","type":"timestamp[us, tz=UTC]","value":5}]}]},` +
		`{"op":"alias","name":"raw","children":[{"op":"lit","type":"binary","value":{"bytes":"AQI="}}]}]}`
	p, err := plan.Unmarshal([]byte(unversioned))
	if err != nil {
		t.Fatal(err)
	}
	wantPlan := "Project [CAST(s AS int32) AS n, (ts > 5) AS late, [1 2] AS raw]\n+- Scan file /data/in\n"
	if got := plan.Explain(p); got != wantPlan {
		t.Fatalf("decoded\n%s\nwant\n%s", got, wantPlan)
	}
}

func TestParseType(t *testing.T) {
	for _, c := range wireTypes {
		got, err := plan.ParseType(c.typ.String())
		switch c.typ.(type) {
		case arrow.NestedType, *arrow.DictionaryType, arrow.ExtensionType:
			if err == nil {
				t.Errorf("ParseType(%q) = %s, want an error: nested types have no readable name", c.typ, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseType(%q): %v", c.typ, err)
			continue
		}
		sameType(t, c.typ.String(), got, c.typ)
	}
	for _, bad := range []string{"list", "blob", "decimal(0, 2)", "decimal(39, 2)", "time32[ns]", "time64[s]", "fixed_size_binary[0]", "timestamp[xs]"} {
		if got, err := plan.ParseType(bad); err == nil {
			t.Errorf("ParseType(%q) = %s, want an error", bad, got)
		}
	}
}

func TestUnmarshalVersions(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "a", Type: arrow.PrimitiveTypes.Int64}}, nil)
	data, err := plan.Marshal(&plan.Scan{Source: &fileSource{Path: "p", Fields: plan.EncodeSchema(schema)}})
	if err != nil {
		t.Fatal(err)
	}
	body := strings.TrimPrefix(string(data), `{"ember_plan":2,`)
	if body == string(data) {
		t.Fatalf("no version first: %s", data)
	}
	for _, c := range []struct {
		data string
		want string // in the error; "" for none
	}{
		{string(data), ""},
		{"{" + body, ""}, // unversioned: version 1
		{`{"ember_plan":3,` + body, "the plan is version 3, newer than version 2 that this build reads"},
		{`{"ember_plan":1,` + body, "the plan is version 1; this build reads version 2 and unversioned plans"},
		{`{"ember_plan":0,` + body, "the plan is version 0"},
		{`{"ember_plan":"2",` + body, "plan: decoding: "},
		{`{"ember_plan":2.5,` + body, "plan: decoding: "},
	} {
		_, err := plan.Unmarshal([]byte(c.data))
		switch {
		case c.want == "" && err != nil:
			t.Errorf("Unmarshal(%s): %v", c.data, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("Unmarshal(%s): error %v, want one containing %q", c.data, err, c.want)
		case strings.Contains(c.want, "this build reads") && !errors.Is(err, plan.ErrUnsupportedVersion):
			t.Errorf("Unmarshal(%s): error %v does not wrap ErrUnsupportedVersion", c.data, err)
		}
	}
}

// TestMarshalRefusesUnsupportedTypes checks that a type that would not
// decode fails Marshal, naming it, wherever it sits.
func TestMarshalRefusesUnsupportedTypes(t *testing.T) {
	schema := arrow.NewSchema([]arrow.Field{{Name: "s", Type: arrow.BinaryTypes.String}}, nil)
	scan := &plan.Scan{Source: &fileSource{Path: "p", Fields: plan.EncodeSchema(schema)}}
	bad := arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.ListOf(unregistered)}}, nil)
	badScan := &plan.Scan{Source: &typedSource{fileSource: fileSource{Path: "q", Fields: plan.EncodeSchema(bad)}, schema: bad}}
	for name, n := range map[string]plan.Node{
		"literal": must(plan.NewProject(scan, &plan.Alias{Child: plan.TypedLit(nil, unregistered), Name: "x"})),
		"cast":    &plan.Project{Input: scan, Exprs: []plan.Expr{&plan.Cast{Child: plan.Col("s"), To: arrow.StructOf(arrow.Field{Name: "u", Type: unregistered})}}},
		"source":  badScan,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := plan.Marshal(n)
			if !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), `extension type ember.test.unregistered[x]<int64> ("ember.test.unregistered") is not registered`) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	if _, err := plan.EncodeFields(bad.Fields()); !errors.Is(err, plan.ErrNotPortable) || !strings.Contains(err.Error(), `field "x"`) {
		t.Fatalf("EncodeFields: err = %v", err)
	}
	// EncodeSchema cannot fail: the field keeps its name, which does not
	// decode.
	if _, err := plan.DecodeSchema(plan.EncodeSchema(bad)); err == nil {
		t.Fatal("DecodeSchema decoded an unregistered extension type")
	}
}

func TestDecodeRefusesMalformedTypes(t *testing.T) {
	for _, tree := range []string{
		`{"id":"decimal128","precision":0}`,
		`{"id":"decimal256","precision":77}`,
		`{"id":"timestamp","unit":"xs"}`,
		`{"id":"time32","unit":"ns"}`,
		`{"id":"fixed_size_binary"}`,
		`{"id":"list"}`,
		`{"id":"fixed_size_list","fields":[{"name":"item","type":"int8"}]}`,
		`{"id":"map","fields":[{"name":"key","type":"utf8","nullable":true},{"name":"value","type":"int8"}]}`,
		`{"id":"dictionary","fields":[{"name":"indices","type":"utf8"},{"name":"values","type":"utf8"}]}`,
		`{"id":"sparse_union","type_codes":[1,1],"fields":[{"name":"a","type":"int8"},{"name":"b","type":"int8"}]}`,
		`{"id":"dense_union","type_codes":[-1],"fields":[{"name":"a","type":"int8"}]}`,
		`{"id":"run_end_encoded","fields":[{"name":"run_ends","type":"utf8"},{"name":"values","type":"int8"}]}`,
		`{"id":"extension","name":"nowhere","fields":[{"name":"storage","type":"int8"}]}`,
		`{"id":"struct","fields":[{"name":"a","type":"mystery"}]}`,
		`{"id":"tensor"}`,
	} {
		field := `[{"name":"f","type":"?","arrow":` + tree + `}]`
		var fields []plan.EncodedField
		if err := json.Unmarshal([]byte(field), &fields); err != nil {
			t.Fatal(err)
		}
		if s, err := plan.DecodeSchema(fields); err == nil || !strings.HasPrefix(err.Error(), `plan: decoding field "f": `) {
			t.Errorf("DecodeSchema(%s) = %v, %v; want an error", tree, s, err)
		}
	}
}

// FuzzDecodeSchema checks that no serialized schema panics the decoder,
// and that what decodes encodes again to a schema that decodes the same.
func FuzzDecodeSchema(f *testing.F) {
	for _, c := range wireTypes {
		data, err := json.Marshal(plan.EncodeSchema(arrow.NewSchema([]arrow.Field{{Name: "c", Type: c.typ}}, nil)))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var fields []plan.EncodedField
		if json.Unmarshal(data, &fields) != nil {
			return
		}
		s, err := plan.DecodeSchema(fields)
		if err != nil {
			return
		}
		enc, err := plan.EncodeFields(s.Fields())
		if err != nil {
			t.Fatalf("decoded %s does not encode: %v", s, err)
		}
		again, err := plan.DecodeSchema(enc)
		if err != nil || !again.Equal(s) {
			t.Fatalf("decoded %s, then %v (%v)", s, again, err)
		}
	})
}

// Example_encodeSchema shows the wire form of a schema: flat types by
// name, the others also as a tree.
func Example_encodeSchema() {
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64, Nullable: true},
		{Name: "price", Type: &arrow.Decimal128Type{Precision: 10, Scale: 2}},
		{Name: "box", Type: arrow.StructOf(
			arrow.Field{Name: "label", Type: arrow.BinaryTypes.String, Nullable: true},
			arrow.Field{Name: "score", Type: arrow.PrimitiveTypes.Float32},
		), Nullable: true},
	}, nil)
	// An encoder that leaves < and > as they are keeps the names readable.
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	for _, f := range plan.EncodeSchema(schema) {
		if err := enc.Encode(f); err != nil {
			panic(err)
		}
	}
	// Output:
	// {"name":"id","type":"int64","nullable":true}
	// {"name":"price","type":"decimal(10, 2)","arrow":{"id":"decimal128","precision":10,"scale":2}}
	// {"name":"box","type":"struct<label: utf8 nullable, score: float32>","nullable":true,"arrow":{"id":"struct","fields":[{"name":"label","type":"utf8","nullable":true},{"name":"score","type":"float32"}]}}
}
