package udf

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Value is the set of Go types a typed UDF (Func1, Func2, Func3 and their
// E variants) takes as arguments, each with one Arrow type:
//
//	bool                      boolean
//	int8 … int64              int8 … int64
//	uint8 … uint64            uint8 … uint64
//	float32, float64          float32, float64
//	string                    utf8
//	[]byte                    binary
//	time.Time                 timestamp[us, tz=UTC] (the type of a time.Time literal)
//
// Types defined on these (type Celsius float64) are not accepted, and int
// and uint are left out because their width depends on the platform: use
// int64 and uint64. Results may also be a pointer to one of these (nil
// is NULL) or a struct of them (see Func1).
type Value interface {
	bool | int8 | int16 | int32 | int64 | uint8 | uint16 | uint32 | uint64 |
		float32 | float64 | string | []byte | time.Time
}

// Func1 returns a scalar UDF called name that applies fn to each row of
// its argument. The signature comes from the Go types (see Value): a call
// whose argument has another Arrow type is refused when the plan is built,
// with an error that says which type to cast to.
//
// A NULL argument gives a NULL result without calling fn, as Spark's UDFs
// do by default. A result type that is a pointer lets fn return NULL (nil).
// A struct result type gives a struct column: its exported fields (of the
// types of Value, pointers to them, or nested structs) become the struct's
// fields, named by an `arrow:"name"` tag or else by the Go field name; a
// field tagged `arrow:"-"` is left out. Every field is nullable.
//
// string and []byte arguments share the batch's memory: they are valid
// during the call only (strings.Clone or bytes.Clone what fn keeps). fn is
// called concurrently from several partitions.
//
// A result type with no Arrow type (a map, a channel, int) does not panic:
// the UDF's ReturnType and Register report it, so the first plan that
// calls it fails with an error naming the UDF.
func Func1[A Value, R any](name string, fn func(A) R) *Scalar {
	return func1(name, fn, nil)
}

// Func1E is Func1 for a function that can fail: an error fails the batch,
// and the job, with a *RowError naming the UDF, the row and its argument.
func Func1E[A Value, R any](name string, fn func(A) (R, error)) *Scalar {
	return func1(name, nil, fn)
}

// Func2 is Func1 for a function of two columns; a NULL in either gives a
// NULL result.
func Func2[A, B Value, R any](name string, fn func(A, B) R) *Scalar {
	return func2(name, fn, nil)
}

// Func2E is Func1E for a function of two columns.
func Func2E[A, B Value, R any](name string, fn func(A, B) (R, error)) *Scalar {
	return func2(name, nil, fn)
}

// Func3 is Func1 for a function of three columns; a NULL in any gives a
// NULL result.
func Func3[A, B, C Value, R any](name string, fn func(A, B, C) R) *Scalar {
	return func3(name, fn, nil)
}

// Func3E is Func1E for a function of three columns.
func Func3E[A, B, C Value, R any](name string, fn func(A, B, C) (R, error)) *Scalar {
	return func3(name, nil, fn)
}

// Func1's loops are its own, so that numbers to numbers read the argument
// slice and write the result in place with nothing but fn's call in
// between; Func2 and Func3 go through eachRow's per-row closures. Exactly
// one of fn and fnE is set.

func func1[A Value, R any](name string, fn func(A) R, fnE func(A) (R, error)) *Scalar {
	res, err := resultOf[R]()
	s := newTyped(name, res.typ, err, valueType[A]())
	s.fn = func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		if err := s.checkArgs(args, rows); err != nil {
			return nil, err
		}
		a, err := columnOf[A](args[0])
		if err != nil {
			return nil, err
		}
		if fn != nil && a.at == nil && res.enc.fixed {
			// Numbers to numbers: the common case, kept to one plain loop.
			out := res.begin(compute.GetAllocator(ctx), rows)
			defer out.release()
			in, dst := a.vals[:rows], out.vals[:rows]
			for i, v := range in {
				if a.null(i) {
					out.appendNull(i)
					continue
				}
				dst[i] = fn(v)
			}
			return out.finish(), nil
		}
		return eachRow(ctx, name, res, rows, a.null,
			func(i int) (R, error) {
				if fn != nil {
					return fn(a.value(i)), nil
				}
				return fnE(a.value(i))
			},
			func(i int) []any { return []any{a.value(i)} })
	}
	return s
}

func func2[A, B Value, R any](name string, fn func(A, B) R, fnE func(A, B) (R, error)) *Scalar {
	res, err := resultOf[R]()
	s := newTyped(name, res.typ, err, valueType[A](), valueType[B]())
	s.fn = func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		if err := s.checkArgs(args, rows); err != nil {
			return nil, err
		}
		a, err := columnOf[A](args[0])
		if err != nil {
			return nil, err
		}
		b, err := columnOf[B](args[1])
		if err != nil {
			return nil, err
		}
		return eachRow(ctx, name, res, rows,
			func(i int) bool { return a.null(i) || b.null(i) },
			func(i int) (R, error) {
				if fn != nil {
					return fn(a.value(i), b.value(i)), nil
				}
				return fnE(a.value(i), b.value(i))
			},
			func(i int) []any { return []any{a.value(i), b.value(i)} })
	}
	return s
}

func func3[A, B, C Value, R any](name string, fn func(A, B, C) R, fnE func(A, B, C) (R, error)) *Scalar {
	res, err := resultOf[R]()
	s := newTyped(name, res.typ, err, valueType[A](), valueType[B](), valueType[C]())
	s.fn = func(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error) {
		if err := s.checkArgs(args, rows); err != nil {
			return nil, err
		}
		a, err := columnOf[A](args[0])
		if err != nil {
			return nil, err
		}
		b, err := columnOf[B](args[1])
		if err != nil {
			return nil, err
		}
		c, err := columnOf[C](args[2])
		if err != nil {
			return nil, err
		}
		return eachRow(ctx, name, res, rows,
			func(i int) bool { return a.null(i) || b.null(i) || c.null(i) },
			func(i int) (R, error) {
				if fn != nil {
					return fn(a.value(i), b.value(i), c.value(i)), nil
				}
				return fnE(a.value(i), b.value(i), c.value(i))
			},
			func(i int) []any { return []any{a.value(i), b.value(i), c.value(i)} })
	}
	return s
}

// eachRow computes a result row by row: NULL where null says, call's
// value elsewhere; a call's error names the row and its arguments.
func eachRow[R any](ctx context.Context, name string, res result[R], rows int, null func(int) bool, call func(int) (R, error), argsOf func(int) []any) (arrow.Array, error) {
	out := res.begin(compute.GetAllocator(ctx), rows)
	defer out.release()
	for i := range rows {
		if null(i) {
			out.appendNull(i)
			continue
		}
		r, err := call(i)
		if err != nil {
			return nil, newRowError(name, i, err, argsOf(i)...)
		}
		out.append(i, r)
	}
	return out.finish(), nil
}

// newTyped declares a typed UDF; err is set when the result type has no
// Arrow type, and then reported by ReturnType and Register.
func newTyped(name string, result arrow.DataType, err error, params ...arrow.DataType) *Scalar {
	if err != nil {
		err = fmt.Errorf("udf %q: result type %w", name, err)
	}
	return &Scalar{name: name, params: params, result: result, err: err}
}

// checkArgs guards Invoke called without the plan's type check.
func (s *Scalar) checkArgs(args []arrow.Array, rows int) error {
	if s.err != nil {
		return s.err
	}
	if len(args) != len(s.params) {
		return fmt.Errorf("udf %q takes %d arguments, got %d", s.name, len(s.params), len(args))
	}
	for i, a := range args {
		if !arrow.TypeEqual(a.DataType(), s.params[i]) {
			return fmt.Errorf("udf %q: argument %d is %s, want %s", s.name, i+1, a.DataType(), s.params[i])
		}
		if a.Len() != rows {
			return fmt.Errorf("udf %q: argument %d has %d rows, want %d", s.name, i+1, a.Len(), rows)
		}
	}
	return nil
}

// RowError is the error a typed UDF made with an E helper (Func1E …)
// returns when its function fails on a row; it unwraps to the function's
// error.
type RowError struct {
	// Func is the UDF's name.
	Func string
	// Row is the failed row's index in the batch.
	Row int
	// Input is the row's arguments, formatted and shortened.
	Input string
	// Err is what the function returned.
	Err error
}

func (e *RowError) Error() string {
	return fmt.Sprintf("udf %q: row %d of the batch (%s): %v", e.Func, e.Row, e.Input, e.Err)
}

func (e *RowError) Unwrap() error { return e.Err }

// newRowError formats the arguments now: strings and bytes share the
// batch's memory, which the error outlives.
func newRowError(name string, row int, err error, args ...any) *RowError {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = formatArg(a)
	}
	return &RowError{Func: name, Row: row, Input: strings.Join(parts, ", "), Err: err}
}

// maxArgChars bounds each argument in a RowError's message.
const maxArgChars = 48

func formatArg(a any) string {
	switch a := a.(type) {
	case string:
		return fmt.Sprintf("%q", shorten(a))
	case []byte:
		return fmt.Sprintf("%q", shorten(string(a)))
	case time.Time:
		return a.Format(time.RFC3339Nano)
	}
	return fmt.Sprint(a)
}

func shorten(s string) string {
	if len(s) <= maxArgChars {
		return s
	}
	cut := maxArgChars
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// column reads one argument of type A: fixed-width numbers straight from
// the array's values, other types through the array's accessor.
type column[A any] struct {
	vals     []A
	at       func(int) A // nil for fixed-width numbers
	validity []byte      // nil when the column has no NULLs
	offset   int
}

func (c *column[A]) null(i int) bool {
	return c.validity != nil && !bitutil.BitIsSet(c.validity, c.offset+i)
}

func (c *column[A]) value(i int) A {
	if c.at == nil {
		return c.vals[i]
	}
	return c.at(i)
}

func columnOf[A Value](arr arrow.Array) (column[A], error) {
	var c column[A]
	if arr.NullN() > 0 {
		c.validity, c.offset = arr.NullBitmapBytes(), arr.Data().Offset()
	}
	var ok bool
	switch arr := arr.(type) {
	case *array.Int8:
		c.vals, ok = any(arr.Int8Values()).([]A)
	case *array.Int16:
		c.vals, ok = any(arr.Int16Values()).([]A)
	case *array.Int32:
		c.vals, ok = any(arr.Int32Values()).([]A)
	case *array.Int64:
		c.vals, ok = any(arr.Int64Values()).([]A)
	case *array.Uint8:
		c.vals, ok = any(arr.Uint8Values()).([]A)
	case *array.Uint16:
		c.vals, ok = any(arr.Uint16Values()).([]A)
	case *array.Uint32:
		c.vals, ok = any(arr.Uint32Values()).([]A)
	case *array.Uint64:
		c.vals, ok = any(arr.Uint64Values()).([]A)
	case *array.Float32:
		c.vals, ok = any(arr.Float32Values()).([]A)
	case *array.Float64:
		c.vals, ok = any(arr.Float64Values()).([]A)
	case *array.Boolean:
		c.at, ok = any(arr.Value).(func(int) A)
	case *array.String:
		c.at, ok = any(arr.Value).(func(int) A)
	case *array.Binary:
		c.at, ok = any(arr.Value).(func(int) A)
	case *array.Timestamp:
		unit := arr.DataType().(*arrow.TimestampType).Unit
		c.at, ok = any(func(i int) time.Time { return arr.Value(i).ToTime(unit) }).(func(int) A)
	}
	if !ok {
		return c, fmt.Errorf("udf: a %s column cannot be read as %s", arr.DataType(), reflect.TypeFor[A]())
	}
	return c, nil
}

// result describes how a UDF's results of Go type R become an Arrow
// column.
type result[R any] struct {
	typ arrow.DataType
	enc *encoder
}

func resultOf[R any]() (result[R], error) {
	enc, err := encoderFor(reflect.TypeFor[R](), nil)
	if err != nil {
		return result[R]{}, err
	}
	return result[R]{typ: enc.typ, enc: enc}, nil
}

// begin starts the result column of one batch of rows.
func (r result[R]) begin(mem memory.Allocator, rows int) *output[R] {
	o := &output[R]{mem: mem, typ: r.typ, rows: rows}
	if r.enc.fixed {
		o.data = memory.NewResizableBuffer(mem)
		o.data.Resize(rows * r.typ.(arrow.FixedWidthDataType).Bytes())
		o.vals = fixedValues[R](o.data.Bytes())
		return o
	}
	o.builder = array.NewBuilder(mem, r.typ)
	o.builder.Reserve(rows)
	// The encoder reads each result from a holder, so it is bound once
	// per batch to typed pointers and nothing is reflected on per row.
	holder := reflect.New(reflect.TypeFor[R]())
	p := holder.Interface().(*R)
	appendHeld := r.enc.bind(o.builder, holder.Elem())
	o.put = func(v R) {
		*p = v
		appendHeld()
	}
	return o
}

// output is the result column of one batch being built: fixed-width
// numbers are written in place, other types appended to a builder.
type output[R any] struct {
	mem  memory.Allocator
	typ  arrow.DataType
	rows int

	vals     []R
	data     *memory.Buffer
	validity *memory.Buffer // allocated at the first NULL
	nulls    int

	builder array.Builder
	put     func(R)
}

func (o *output[R]) append(i int, v R) {
	if o.put == nil {
		o.vals[i] = v
		return
	}
	o.put(v)
}

func (o *output[R]) appendNull(i int) {
	if o.put != nil {
		o.builder.AppendNull()
		return
	}
	if o.validity == nil {
		o.validity = memory.NewResizableBuffer(o.mem)
		o.validity.Resize(int(bitutil.BytesForBits(int64(o.rows))))
		memory.Set(o.validity.Bytes(), 0xff)
	}
	bitutil.ClearBit(o.validity.Bytes(), i)
	var zero R
	o.vals[i] = zero
	o.nulls++
}

// finish returns the column, which the caller releases.
func (o *output[R]) finish() arrow.Array {
	if o.put != nil {
		return o.builder.NewArray()
	}
	data := array.NewData(o.typ, o.rows, []*memory.Buffer{o.validity, o.data}, nil, o.nulls, 0)
	defer data.Release()
	return array.MakeFromData(data)
}

// release frees what finish did not hand over.
func (o *output[R]) release() {
	for _, b := range []*memory.Buffer{o.data, o.validity} {
		if b != nil {
			b.Release()
		}
	}
	if o.builder != nil {
		o.builder.Release()
	}
}

// fixedValues views a buffer as the values of a fixed-width number type.
func fixedValues[R any](b []byte) []R {
	var vals any
	switch any(*new(R)).(type) {
	case int8:
		vals = arrow.Int8Traits.CastFromBytes(b)
	case int16:
		vals = arrow.Int16Traits.CastFromBytes(b)
	case int32:
		vals = arrow.Int32Traits.CastFromBytes(b)
	case int64:
		vals = arrow.Int64Traits.CastFromBytes(b)
	case uint8:
		vals = arrow.Uint8Traits.CastFromBytes(b)
	case uint16:
		vals = arrow.Uint16Traits.CastFromBytes(b)
	case uint32:
		vals = arrow.Uint32Traits.CastFromBytes(b)
	case uint64:
		vals = arrow.Uint64Traits.CastFromBytes(b)
	case float32:
		vals = arrow.Float32Traits.CastFromBytes(b)
	case float64:
		vals = arrow.Float64Traits.CastFromBytes(b)
	}
	return vals.([]R)
}

// encoder appends Go values of one type to an Arrow builder of typ.
type encoder struct {
	typ arrow.DataType
	// fixed marks the number types whose results are written in place.
	fixed bool
	// bind returns a function that appends the value held at loc (an
	// addressable value of the encoder's Go type) to b, a builder of typ.
	bind func(b array.Builder, loc reflect.Value) func()
}

// encoderFor builds the encoder of Go type t; seen guards against
// recursive struct types.
func encoderFor(t reflect.Type, seen []reflect.Type) (*encoder, error) {
	if s, ok := scalarTypes[t]; ok {
		return &encoder{typ: s.typ, fixed: s.fixed, bind: func(b array.Builder, loc reflect.Value) func() {
			return s.appendFrom(b, loc.Addr().Interface())
		}}, nil
	}
	switch t.Kind() {
	case reflect.Pointer:
		if s, ok := scalarTypes[t.Elem()]; ok {
			return &encoder{typ: s.typ, bind: func(b array.Builder, loc reflect.Value) func() {
				return s.appendPtrFrom(b, loc.Addr().Interface())
			}}, nil
		}
		if t.Elem().Kind() != reflect.Struct {
			break
		}
		elem, err := encoderFor(t.Elem(), seen)
		if err != nil {
			return nil, err
		}
		return &encoder{typ: elem.typ, bind: func(b array.Builder, loc reflect.Value) func() {
			held := reflect.New(t.Elem()).Elem()
			appendHeld := elem.bind(b, held)
			return func() {
				if loc.IsNil() {
					b.AppendNull()
					return
				}
				held.Set(loc.Elem())
				appendHeld()
			}
		}}, nil
	case reflect.Struct:
		return structEncoder(t, seen)
	}
	return nil, fmt.Errorf("%s has no Arrow type (want bool, int8…int64, uint8…uint64, float32, float64, string, []byte, time.Time, a pointer to one, or a struct of them)", t)
}

func structEncoder(t reflect.Type, seen []reflect.Type) (*encoder, error) {
	for _, s := range seen {
		if s == t {
			return nil, fmt.Errorf("struct %s is recursive", t)
		}
	}
	seen = append(seen, t)
	var (
		fields []arrow.Field
		index  []int
		encs   []*encoder
	)
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Name
		if tag, ok := f.Tag.Lookup("arrow"); ok {
			tag, _, _ = strings.Cut(tag, ",")
			if tag == "-" {
				continue
			}
			if tag != "" {
				name = tag
			}
		}
		enc, err := encoderFor(f.Type, seen)
		if err != nil {
			return nil, fmt.Errorf("field %s of %s: %w", f.Name, t, err)
		}
		fields = append(fields, arrow.Field{Name: name, Type: enc.typ, Nullable: true})
		index = append(index, i)
		encs = append(encs, enc)
	}
	if len(fields) == 0 {
		return nil, fmt.Errorf("struct %s has no exported fields", t)
	}
	return &encoder{typ: arrow.StructOf(fields...), bind: func(b array.Builder, loc reflect.Value) func() {
		sb := b.(*array.StructBuilder)
		appendFields := make([]func(), len(encs))
		for j, enc := range encs {
			appendFields[j] = enc.bind(sb.FieldBuilder(j), loc.Field(index[j]))
		}
		return func() {
			sb.Append(true)
			for _, f := range appendFields {
				f()
			}
		}
	}}, nil
}

// scalarType is how one Go type of Value becomes Arrow.
type scalarType struct {
	typ   arrow.DataType
	fixed bool
	// appendFrom returns a function that appends *p (p is a *T) to b.
	appendFrom func(b array.Builder, p any) func()
	// appendPtrFrom returns a function that appends **p (p is a **T),
	// or NULL when *p is nil.
	appendPtrFrom func(b array.Builder, p any) func()
}

type appender[T any] interface {
	array.Builder
	Append(T)
}

func scalarOf[T any, B appender[T]](typ arrow.DataType, fixed bool) scalarType {
	return scalarType{
		typ:   typ,
		fixed: fixed,
		appendFrom: func(b array.Builder, p any) func() {
			bb, v := b.(B), p.(*T)
			return func() { bb.Append(*v) }
		},
		appendPtrFrom: func(b array.Builder, p any) func() {
			bb, v := b.(B), p.(**T)
			return func() {
				if *v == nil {
					bb.AppendNull()
					return
				}
				bb.Append(**v)
			}
		},
	}
}

// timestampUTC is the Arrow type of time.Time, as for literals.
var timestampUTC = arrow.FixedWidthTypes.Timestamp_us

var timeScalar = scalarType{
	typ: timestampUTC,
	appendFrom: func(b array.Builder, p any) func() {
		bb, v := b.(*array.TimestampBuilder), p.(*time.Time)
		return func() { bb.Append(arrow.Timestamp(v.UnixMicro())) }
	},
	appendPtrFrom: func(b array.Builder, p any) func() {
		bb, v := b.(*array.TimestampBuilder), p.(**time.Time)
		return func() {
			if *v == nil {
				bb.AppendNull()
				return
			}
			bb.Append(arrow.Timestamp((*v).UnixMicro()))
		}
	},
}

var scalarTypes = map[reflect.Type]scalarType{
	reflect.TypeFor[bool]():      scalarOf[bool, *array.BooleanBuilder](arrow.FixedWidthTypes.Boolean, false),
	reflect.TypeFor[int8]():      scalarOf[int8, *array.Int8Builder](arrow.PrimitiveTypes.Int8, true),
	reflect.TypeFor[int16]():     scalarOf[int16, *array.Int16Builder](arrow.PrimitiveTypes.Int16, true),
	reflect.TypeFor[int32]():     scalarOf[int32, *array.Int32Builder](arrow.PrimitiveTypes.Int32, true),
	reflect.TypeFor[int64]():     scalarOf[int64, *array.Int64Builder](arrow.PrimitiveTypes.Int64, true),
	reflect.TypeFor[uint8]():     scalarOf[uint8, *array.Uint8Builder](arrow.PrimitiveTypes.Uint8, true),
	reflect.TypeFor[uint16]():    scalarOf[uint16, *array.Uint16Builder](arrow.PrimitiveTypes.Uint16, true),
	reflect.TypeFor[uint32]():    scalarOf[uint32, *array.Uint32Builder](arrow.PrimitiveTypes.Uint32, true),
	reflect.TypeFor[uint64]():    scalarOf[uint64, *array.Uint64Builder](arrow.PrimitiveTypes.Uint64, true),
	reflect.TypeFor[float32]():   scalarOf[float32, *array.Float32Builder](arrow.PrimitiveTypes.Float32, true),
	reflect.TypeFor[float64]():   scalarOf[float64, *array.Float64Builder](arrow.PrimitiveTypes.Float64, true),
	reflect.TypeFor[string]():    scalarOf[string, *array.StringBuilder](arrow.BinaryTypes.String, false),
	reflect.TypeFor[[]byte]():    scalarOf[[]byte, *array.BinaryBuilder](arrow.BinaryTypes.Binary, false),
	reflect.TypeFor[time.Time](): timeScalar,
}

// valueType is the Arrow type of an argument type.
func valueType[A Value]() arrow.DataType { return scalarTypes[reflect.TypeFor[A]()].typ }
