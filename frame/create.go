package frame

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
)

// createFromGo builds the DataFrame of CreateDataFrame(rows) for a slice
// of structs.
func (s *Session) createFromGo(data any, partitions [][]arrow.RecordBatch) *DataFrame {
	fail := func(format string, args ...any) *DataFrame {
		return s.failed(fmt.Errorf("frame: CreateDataFrame: "+format, args...))
	}
	v := reflect.ValueOf(data)
	if v.Kind() != reflect.Slice && v.Kind() != reflect.Array {
		return fail("want an *arrow.Schema and batches, or a slice of structs; got %T", data)
	}
	if len(partitions) > 0 {
		return fail("batches are given with a schema, not with a slice of %s", v.Type().Elem())
	}
	elem := v.Type().Elem()
	ptr := elem.Kind() == reflect.Pointer
	if ptr {
		elem = elem.Elem()
	}
	if elem.Kind() != reflect.Struct || elem == timeType {
		return fail("want a slice of structs or of pointers to structs; got %T", data)
	}
	conv, err := converterFor(elem, elem.Name())
	if err != nil {
		return fail("%v", err)
	}
	st := conv.dt.(*arrow.StructType)
	schema := arrow.NewSchema(st.Fields(), nil)
	for i := 0; i < v.Len(); i++ {
		if ptr && v.Index(i).IsNil() {
			return fail("element %d is nil (a row cannot be NULL)", i)
		}
	}
	mem := s.cfg.Allocator
	batchRows := s.cfg.BatchRows
	if batchRows <= 0 {
		batchRows = exec.DefaultBatchRows
	}
	n := v.Len()
	parts := max(1, min(s.parallelism(), n))
	var out [][]arrow.RecordBatch
	defer func() {
		for _, bs := range out {
			for _, b := range bs {
				b.Release()
			}
		}
	}()
	for p := range parts {
		lo, hi := p*n/parts, (p+1)*n/parts
		var batches []arrow.RecordBatch
		for at := lo; at < hi || (at == lo && lo == hi); at += batchRows {
			end := min(hi, at+batchRows)
			batches = append(batches, structBatch(mem, schema, conv, v, ptr, at, end))
			if lo == hi {
				break
			}
		}
		out = append(out, batches)
	}
	return s.CreateDataFrame(schema, out...)
}

// structBatch converts rows [lo, hi) of v into a batch.
func structBatch(mem memory.Allocator, schema *arrow.Schema, conv *converter, v reflect.Value, ptr bool, lo, hi int) arrow.RecordBatch {
	b := array.NewRecordBuilder(mem, schema)
	defer b.Release()
	b.Reserve(hi - lo)
	for i := lo; i < hi; i++ {
		row := v.Index(i)
		if ptr {
			row = row.Elem()
		}
		for f, fc := range conv.fields {
			fc.append(b.Field(f), fieldOf(row, fc.index))
		}
	}
	return b.NewRecordBatch()
}

var (
	timeType     = reflect.TypeFor[time.Time]()
	durationType = reflect.TypeFor[time.Duration]()
	bytesType    = reflect.TypeFor[[]byte]()
)

// converter turns Go values of one type into values of one Arrow builder.
type converter struct {
	dt       arrow.DataType
	nullable bool
	append   func(b array.Builder, v reflect.Value)
	// For structs: the fields, each with its index path in the Go struct.
	fields []fieldConverter
}

type fieldConverter struct {
	*converter
	name  string
	index []int
}

// fieldOf returns the field at an index path; a nil embedded pointer on
// the way gives the zero Value, which appends as NULL.
func fieldOf(v reflect.Value, index []int) reflect.Value {
	for i, x := range index {
		if i > 0 && v.Kind() == reflect.Pointer {
			if v.IsNil() {
				return reflect.Value{}
			}
			v = v.Elem()
		}
		v = v.Field(x)
	}
	return v
}

// converterFor maps a Go type to an Arrow type: bool, integers, floats and
// strings to their Arrow counterparts (int and uint as 64-bit), []byte to
// binary, time.Time to a UTC timestamp in microseconds (Spark's), a
// time.Duration to a duration in nanoseconds, *T to a nullable T, []T and
// arrays to lists, map[K]V to maps, and structs to structs. Slices, maps
// and pointers are nullable (nil is NULL); other values are not.
func converterFor(t reflect.Type, path string) (*converter, error) {
	switch t {
	case timeType:
		dt := &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		return &converter{dt: dt, append: func(b array.Builder, v reflect.Value) {
			if !v.IsValid() {
				b.AppendNull()
				return
			}
			b.(*array.TimestampBuilder).Append(arrow.Timestamp(v.Interface().(time.Time).UnixMicro()))
		}}, nil
	case durationType:
		return &converter{dt: arrow.FixedWidthTypes.Duration_ns, append: func(b array.Builder, v reflect.Value) {
			if !v.IsValid() {
				b.AppendNull()
				return
			}
			b.(*array.DurationBuilder).Append(arrow.Duration(v.Int()))
		}}, nil
	case bytesType:
		return &converter{dt: arrow.BinaryTypes.Binary, nullable: true, append: func(b array.Builder, v reflect.Value) {
			if !v.IsValid() || v.IsNil() {
				b.AppendNull()
				return
			}
			b.(*array.BinaryBuilder).Append(v.Bytes())
		}}, nil
	}
	scalar := func(dt arrow.DataType, add func(array.Builder, reflect.Value)) (*converter, error) {
		return &converter{dt: dt, append: func(b array.Builder, v reflect.Value) {
			if !v.IsValid() {
				b.AppendNull()
				return
			}
			add(b, v)
		}}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return scalar(arrow.FixedWidthTypes.Boolean, func(b array.Builder, v reflect.Value) { b.(*array.BooleanBuilder).Append(v.Bool()) })
	case reflect.Int, reflect.Int64:
		return scalar(arrow.PrimitiveTypes.Int64, func(b array.Builder, v reflect.Value) { b.(*array.Int64Builder).Append(v.Int()) })
	case reflect.Int32:
		return scalar(arrow.PrimitiveTypes.Int32, func(b array.Builder, v reflect.Value) { b.(*array.Int32Builder).Append(int32(v.Int())) })
	case reflect.Int16:
		return scalar(arrow.PrimitiveTypes.Int16, func(b array.Builder, v reflect.Value) { b.(*array.Int16Builder).Append(int16(v.Int())) })
	case reflect.Int8:
		return scalar(arrow.PrimitiveTypes.Int8, func(b array.Builder, v reflect.Value) { b.(*array.Int8Builder).Append(int8(v.Int())) })
	case reflect.Uint, reflect.Uint64:
		return scalar(arrow.PrimitiveTypes.Uint64, func(b array.Builder, v reflect.Value) { b.(*array.Uint64Builder).Append(v.Uint()) })
	case reflect.Uint32:
		return scalar(arrow.PrimitiveTypes.Uint32, func(b array.Builder, v reflect.Value) { b.(*array.Uint32Builder).Append(uint32(v.Uint())) })
	case reflect.Uint16:
		return scalar(arrow.PrimitiveTypes.Uint16, func(b array.Builder, v reflect.Value) { b.(*array.Uint16Builder).Append(uint16(v.Uint())) })
	case reflect.Uint8:
		return scalar(arrow.PrimitiveTypes.Uint8, func(b array.Builder, v reflect.Value) { b.(*array.Uint8Builder).Append(uint8(v.Uint())) })
	case reflect.Float64:
		return scalar(arrow.PrimitiveTypes.Float64, func(b array.Builder, v reflect.Value) { b.(*array.Float64Builder).Append(v.Float()) })
	case reflect.Float32:
		return scalar(arrow.PrimitiveTypes.Float32, func(b array.Builder, v reflect.Value) { b.(*array.Float32Builder).Append(float32(v.Float())) })
	case reflect.String:
		return scalar(arrow.BinaryTypes.String, func(b array.Builder, v reflect.Value) { b.(*array.StringBuilder).Append(v.String()) })
	case reflect.Pointer:
		inner, err := converterFor(t.Elem(), path)
		if err != nil {
			return nil, err
		}
		out := *inner
		out.nullable = true
		out.append = func(b array.Builder, v reflect.Value) {
			if !v.IsValid() || v.IsNil() {
				b.AppendNull()
				return
			}
			inner.append(b, v.Elem())
		}
		return &out, nil
	case reflect.Slice, reflect.Array:
		elem, err := converterFor(t.Elem(), path+"[]")
		if err != nil {
			return nil, err
		}
		dt := arrow.ListOfField(arrow.Field{Name: "element", Type: elem.dt, Nullable: elem.nullable})
		return &converter{dt: dt, nullable: t.Kind() == reflect.Slice, append: func(b array.Builder, v reflect.Value) {
			if !v.IsValid() || (v.Kind() == reflect.Slice && v.IsNil()) {
				b.AppendNull()
				return
			}
			lb := b.(*array.ListBuilder)
			lb.Append(true)
			vb := lb.ValueBuilder()
			for i := 0; i < v.Len(); i++ {
				elem.append(vb, v.Index(i))
			}
		}}, nil
	case reflect.Map:
		key, err := converterFor(t.Key(), path+"[key]")
		if err != nil {
			return nil, err
		}
		if key.nullable {
			return nil, fmt.Errorf("%s: map keys cannot be NULL, so %s is no key type", path, t.Key())
		}
		item, err := converterFor(t.Elem(), path+"[value]")
		if err != nil {
			return nil, err
		}
		dt := arrow.MapOfWithMetadata(key.dt, arrow.Metadata{}, item.dt, arrow.Metadata{})
		dt.SetItemNullable(item.nullable)
		return &converter{dt: dt, nullable: true, append: func(b array.Builder, v reflect.Value) {
			if !v.IsValid() || v.IsNil() {
				b.AppendNull()
				return
			}
			mb := b.(*array.MapBuilder)
			mb.Append(true)
			// Go maps have no order: sort the keys so a DataFrame built
			// twice is the same.
			keys := v.MapKeys()
			sortValues(keys)
			for _, k := range keys {
				key.append(mb.KeyBuilder(), k)
				item.append(mb.ItemBuilder(), v.MapIndex(k))
			}
		}}, nil
	case reflect.Struct:
		return structConverter(t, path)
	}
	return nil, fmt.Errorf("%s: unsupported type %s", path, t)
}

// structConverter maps a struct's exported fields, named by their
// `ember:"name"` tag or their Go name; `ember:"-"` skips one; the fields
// of an exported embedded struct without a tag are promoted, as
// encoding/json does (unexported embedded structs are skipped).
func structConverter(t reflect.Type, path string) (*converter, error) {
	var fields []fieldConverter
	var walk func(t reflect.Type, index []int, viaPointer bool) error
	walk = func(t reflect.Type, index []int, viaPointer bool) error {
		for i := range t.NumField() {
			f := t.Field(i)
			tag, hasTag := f.Tag.Lookup("ember")
			if tag == "-" {
				continue
			}
			name := f.Name
			if tag != "" {
				name = tag
			}
			at := append(append([]int(nil), index...), i)
			if f.Anonymous && !hasTag && f.IsExported() {
				ft, ptr := f.Type, f.Type.Kind() == reflect.Pointer
				if ptr {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct && ft != timeType {
					if err := walk(ft, at, viaPointer || ptr); err != nil {
						return err
					}
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			c, err := converterFor(f.Type, path+"."+f.Name)
			if err != nil {
				return err
			}
			for _, other := range fields {
				if other.name == name {
					return fmt.Errorf("%s: two fields are called %q", path, name)
				}
			}
			if viaPointer && !c.nullable {
				// A nil embedded pointer makes the field NULL.
				nullable := *c
				nullable.nullable = true
				c = &nullable
			}
			fields = append(fields, fieldConverter{converter: c, name: name, index: at})
		}
		return nil
	}
	if err := walk(t, nil, false); err != nil {
		return nil, err
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("%s: struct %s has no exported fields", path, t)
	}
	arrowFields := make([]arrow.Field, len(fields))
	for i, f := range fields {
		arrowFields[i] = arrow.Field{Name: f.name, Type: f.dt, Nullable: f.nullable}
	}
	return &converter{dt: arrow.StructOf(arrowFields...), fields: fields, append: func(b array.Builder, v reflect.Value) {
		sb := b.(*array.StructBuilder)
		if !v.IsValid() {
			sb.AppendNull()
			return
		}
		sb.Append(true)
		for i, f := range fields {
			f.append(sb.FieldBuilder(i), fieldOf(v, f.index))
		}
	}}, nil
}

// sortValues sorts map keys of a basic kind by value.
func sortValues(keys []reflect.Value) {
	if len(keys) == 0 {
		return
	}
	cmp := func(a, b reflect.Value) int { return strings.Compare(fmt.Sprint(a), fmt.Sprint(b)) }
	switch k := keys[0]; {
	case k.CanInt():
		cmp = func(a, b reflect.Value) int { return compare(a.Int(), b.Int()) }
	case k.CanUint():
		cmp = func(a, b reflect.Value) int { return compare(a.Uint(), b.Uint()) }
	case k.CanFloat():
		cmp = func(a, b reflect.Value) int { return compare(a.Float(), b.Float()) }
	case k.Kind() == reflect.String:
		cmp = func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) }
	}
	slices.SortFunc(keys, cmp)
}

func compare[T int64 | uint64 | float64](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
