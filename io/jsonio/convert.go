package jsonio

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/ember-df/ember/io/internal/javatime"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// converter turns JSON values on a tape into values of one Arrow type.
// One converter serves one column (or one nested field) of one reader; it
// is bound to a new builder for every batch.
type converter interface {
	// bind makes the converter append to b, a builder of its type, and
	// binds the converters of nested fields to b's children.
	bind(b array.Builder)
	// append converts the value at tape index i (-1 when the key is
	// absent) and appends it. A value that does not fit the type is
	// appended as NULL, and append reports false.
	append(t *tape, i int32) bool
	// check tells why the value at i does not fit the type, or returns
	// nil; it appends nothing.
	check(t *tape, i int32) *mismatch
}

// mismatch says which value did not fit which type, and where.
type mismatch struct {
	path  string // field.field[index]
	value string
	typ   arrow.DataType
}

func (m *mismatch) Error() string {
	return fmt.Sprintf("field %s: cannot read %s as %s", m.path, m.value, m.typ)
}

// in prefixes the path with the enclosing field's name.
func (m *mismatch) in(name string) *mismatch {
	switch {
	case m.path == "":
		m.path = name
	case m.path[0] == '[':
		m.path = name + m.path
	default:
		m.path = name + "." + m.path
	}
	return m
}

func misfit(t *tape, i int32, typ arrow.DataType) *mismatch {
	return &mismatch{value: t.describe(i), typ: typ}
}

// text views bytes as a string without copying; the string must not
// outlive the bytes.
func text(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// isNull tells whether tape index i is absent or null.
func isNull(t *tape, i int32) bool { return i < 0 || t.toks[i].kind == kindNull }

// newConverter returns a converter for dt; date and timestamp patterns
// come from o.
func newConverter(dt arrow.DataType, o *Options) (converter, error) {
	switch dt.ID() {
	case arrow.STRING, arrow.LARGE_STRING:
		return &stringConv{}, nil
	case arrow.BINARY, arrow.LARGE_BINARY:
		return &binaryConv{typ: dt}, nil
	case arrow.INT8, arrow.INT16, arrow.INT32, arrow.INT64:
		return &intConv{typ: dt, bits: dt.(arrow.FixedWidthDataType).BitWidth()}, nil
	case arrow.UINT8, arrow.UINT16, arrow.UINT32, arrow.UINT64:
		return &uintConv{typ: dt, bits: dt.(arrow.FixedWidthDataType).BitWidth()}, nil
	case arrow.FLOAT32, arrow.FLOAT64:
		return &floatConv{typ: dt, bits: dt.(arrow.FixedWidthDataType).BitWidth()}, nil
	case arrow.BOOL:
		return &boolConv{}, nil
	case arrow.DATE32:
		layouts, err := javatime.Layouts(o.DateFormat, time.DateOnly)
		if err != nil {
			return nil, fmt.Errorf("jsonio: %w", err)
		}
		return &dateConv{layouts: layouts}, nil
	case arrow.TIMESTAMP:
		layouts, err := javatime.Layouts(o.TimestampFormat, "")
		if err != nil {
			return nil, fmt.Errorf("jsonio: %w", err)
		}
		if layouts == nil {
			layouts = timestampLayouts
		}
		return &timestampConv{typ: dt.(*arrow.TimestampType), layouts: layouts}, nil
	case arrow.DECIMAL128:
		return &decimalConv{typ: dt.(*arrow.Decimal128Type)}, nil
	case arrow.STRUCT:
		st := dt.(*arrow.StructType)
		c := &structConv{typ: st}
		var names []string
		for _, f := range st.Fields() {
			kid, err := newConverter(f.Type, o)
			if err != nil {
				return nil, err
			}
			names = append(names, f.Name)
			c.kids = append(c.kids, kid)
		}
		c.keys = newKeys(names)
		c.slots = make([]int32, len(c.kids))
		return c, nil
	case arrow.LIST, arrow.LARGE_LIST, arrow.FIXED_SIZE_LIST:
		elem, err := newConverter(dt.(arrow.ListLikeType).Elem(), o)
		if err != nil {
			return nil, err
		}
		c := &listConv{typ: dt, elem: elem, size: -1}
		if fl, ok := dt.(*arrow.FixedSizeListType); ok {
			c.size = int(fl.Len())
		}
		return c, nil
	}
	return nil, fmt.Errorf("type %s cannot be read from JSON", dt)
}

// stringConv takes a string's value, and the JSON text of any other value
// (as Spark does when a field holds values of conflicting kinds).
type stringConv struct {
	b       *array.BinaryBuilder
	scratch []byte
}

func (c *stringConv) bind(b array.Builder) {
	switch b := b.(type) {
	case *array.StringBuilder:
		c.b = b.BinaryBuilder
	case *array.LargeStringBuilder:
		c.b = b.BinaryBuilder
	}
}

func (c *stringConv) append(t *tape, i int32) bool {
	if isNull(t, i) {
		c.b.AppendNull()
		return true
	}
	switch t.toks[i].kind {
	case kindString:
		c.b.Append(t.raw(i))
	case kindEscaped:
		c.scratch = appendUnescaped(c.scratch[:0], t.raw(i))
		c.b.Append(c.scratch)
	default:
		c.scratch = t.appendCompact(c.scratch[:0], i)
		c.b.Append(c.scratch)
	}
	return true
}

func (c *stringConv) check(*tape, int32) *mismatch { return nil }

// binaryConv reads base64 strings, which is how Spark writes binary.
type binaryConv struct {
	typ     arrow.DataType
	b       *array.BinaryBuilder
	scratch []byte
	decoded []byte
}

func (c *binaryConv) bind(b array.Builder) { c.b = b.(*array.BinaryBuilder) }

func (c *binaryConv) decode(t *tape, i int32) ([]byte, bool) {
	k := t.toks[i].kind
	if k != kindString && k != kindEscaped {
		return nil, false
	}
	var err error
	c.decoded, err = base64.StdEncoding.AppendDecode(c.decoded[:0], t.stringValue(i, &c.scratch))
	return c.decoded, err == nil
}

func (c *binaryConv) append(t *tape, i int32) bool {
	if isNull(t, i) {
		c.b.AppendNull()
		return true
	}
	v, ok := c.decode(t, i)
	if !ok {
		c.b.AppendNull()
		return false
	}
	c.b.Append(v)
	return true
}

func (c *binaryConv) check(t *tape, i int32) *mismatch {
	if isNull(t, i) {
		return nil
	}
	if _, ok := c.decode(t, i); !ok {
		return misfit(t, i, c.typ)
	}
	return nil
}

// intConv reads integer numbers (not 1.0, not "1") that fit the type.
type intConv struct {
	typ       arrow.DataType
	bits      int
	b         array.Builder
	appendInt func(int64)
}

func (c *intConv) bind(b array.Builder) {
	c.b = b
	switch b := b.(type) {
	case *array.Int64Builder:
		c.appendInt = b.Append
	case *array.Int32Builder:
		c.appendInt = func(x int64) { b.Append(int32(x)) }
	case *array.Int16Builder:
		c.appendInt = func(x int64) { b.Append(int16(x)) }
	case *array.Int8Builder:
		c.appendInt = func(x int64) { b.Append(int8(x)) }
	}
}

func (c *intConv) parse(t *tape, i int32) (int64, bool) {
	if t.toks[i].kind != kindInt {
		return 0, false
	}
	return parseInt(t.raw(i), c.bits)
}

func (c *intConv) append(t *tape, i int32) bool { return appendParsed(c.b, t, i, c.parse, c.appendInt) }

func (c *intConv) check(t *tape, i int32) *mismatch { return checkParsed(t, i, c.parse, c.typ) }

// uintConv reads non-negative integer numbers that fit the type.
type uintConv struct {
	typ        arrow.DataType
	bits       int
	b          array.Builder
	appendUint func(uint64)
}

func (c *uintConv) bind(b array.Builder) {
	c.b = b
	switch b := b.(type) {
	case *array.Uint64Builder:
		c.appendUint = b.Append
	case *array.Uint32Builder:
		c.appendUint = func(x uint64) { b.Append(uint32(x)) }
	case *array.Uint16Builder:
		c.appendUint = func(x uint64) { b.Append(uint16(x)) }
	case *array.Uint8Builder:
		c.appendUint = func(x uint64) { b.Append(uint8(x)) }
	}
}

func (c *uintConv) parse(t *tape, i int32) (uint64, bool) {
	if t.toks[i].kind != kindInt {
		return 0, false
	}
	x, err := strconv.ParseUint(text(t.raw(i)), 10, c.bits)
	return x, err == nil
}

func (c *uintConv) append(t *tape, i int32) bool {
	return appendParsed(c.b, t, i, c.parse, c.appendUint)
}

func (c *uintConv) check(t *tape, i int32) *mismatch { return checkParsed(t, i, c.parse, c.typ) }

// floatConv reads numbers, and the strings "NaN", "Infinity", "+Infinity"
// and "-Infinity" as Spark does. A number beyond the type's range becomes
// an infinity, as in Java.
type floatConv struct {
	typ         arrow.DataType
	bits        int
	b           array.Builder
	appendFloat func(float64)
}

func (c *floatConv) bind(b array.Builder) {
	c.b = b
	switch b := b.(type) {
	case *array.Float64Builder:
		c.appendFloat = b.Append
	case *array.Float32Builder:
		c.appendFloat = func(x float64) { b.Append(float32(x)) }
	}
}

func (c *floatConv) parse(t *tape, i int32) (float64, bool) {
	switch t.toks[i].kind {
	case kindInt, kindFloat:
		return parseFloat(t.raw(i), c.bits)
	case kindString:
		switch text(t.raw(i)) {
		case "NaN":
			return math.NaN(), true
		case "Infinity", "+Infinity":
			return math.Inf(1), true
		case "-Infinity":
			return math.Inf(-1), true
		}
	}
	return 0, false
}

func (c *floatConv) append(t *tape, i int32) bool {
	return appendParsed(c.b, t, i, c.parse, c.appendFloat)
}

func (c *floatConv) check(t *tape, i int32) *mismatch { return checkParsed(t, i, c.parse, c.typ) }

// boolConv reads true and false.
type boolConv struct{ b *array.BooleanBuilder }

func (c *boolConv) bind(b array.Builder) { c.b = b.(*array.BooleanBuilder) }

func (c *boolConv) append(t *tape, i int32) bool {
	if isNull(t, i) {
		c.b.AppendNull()
		return true
	}
	switch t.toks[i].kind {
	case kindTrue:
		c.b.Append(true)
	case kindFalse:
		c.b.Append(false)
	default:
		c.b.AppendNull()
		return false
	}
	return true
}

func (c *boolConv) check(t *tape, i int32) *mismatch {
	if k := t.toks[max(i, 0)].kind; isNull(t, i) || k == kindTrue || k == kindFalse {
		return nil
	}
	return misfit(t, i, arrow.FixedWidthTypes.Boolean)
}

// dateConv reads strings in the date format.
type dateConv struct {
	layouts []string
	b       *array.Date32Builder
	scratch []byte
}

func (c *dateConv) bind(b array.Builder) { c.b = b.(*array.Date32Builder) }

func (c *dateConv) parse(t *tape, i int32) (arrow.Date32, bool) {
	k := t.toks[i].kind
	if k != kindString && k != kindEscaped {
		return 0, false
	}
	tm, ok := parseTime(text(t.stringValue(i, &c.scratch)), c.layouts)
	if !ok {
		return 0, false
	}
	days := tm.Unix() / 86400
	if tm.Unix() < 0 && tm.Unix()%86400 != 0 {
		days--
	}
	if days < math.MinInt32 || days > math.MaxInt32 {
		return 0, false
	}
	return arrow.Date32(days), true
}

func (c *dateConv) append(t *tape, i int32) bool { return appendParsed(c.b, t, i, c.parse, c.b.Append) }

func (c *dateConv) check(t *tape, i int32) *mismatch {
	return checkParsed(t, i, c.parse, arrow.FixedWidthTypes.Date32)
}

// timestampConv reads strings in the timestamp format, and integers as
// seconds since the Unix epoch (as Spark does).
type timestampConv struct {
	typ     *arrow.TimestampType
	layouts []string
	b       *array.TimestampBuilder
	scratch []byte
}

// timestampLayouts are what timestamps are parsed with when no format is
// given: RFC 3339 and its variants with a space or without a zone, and a
// bare date.
var timestampLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999", time.DateOnly}

// parseTime parses s with the first of layouts that fits.
func parseTime(s string, layouts []string) (time.Time, bool) {
	for _, l := range layouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func (c *timestampConv) bind(b array.Builder) { c.b = b.(*array.TimestampBuilder) }

func (c *timestampConv) parse(t *tape, i int32) (arrow.Timestamp, bool) {
	switch t.toks[i].kind {
	case kindString, kindEscaped:
		tm, ok := parseTime(text(t.stringValue(i, &c.scratch)), c.layouts)
		if !ok {
			return 0, false
		}
		ts, err := arrow.TimestampFromTime(tm, c.typ.Unit)
		if err != nil || !fitsUnit(tm, c.typ.Unit) {
			return 0, false
		}
		return ts, true
	case kindInt:
		secs, ok := parseInt(t.raw(i), 64)
		if !ok {
			return 0, false
		}
		per := int64(1)
		switch c.typ.Unit {
		case arrow.Millisecond:
			per = 1e3
		case arrow.Microsecond:
			per = 1e6
		case arrow.Nanosecond:
			per = 1e9
		}
		if secs > math.MaxInt64/per || secs < math.MinInt64/per {
			return 0, false
		}
		return arrow.Timestamp(secs * per), true
	}
	return 0, false
}

// fitsUnit reports whether tm can be counted in unit within an int64
// (time.Time's UnixNano is undefined outside about 1678–2262).
func fitsUnit(tm time.Time, unit arrow.TimeUnit) bool {
	if unit != arrow.Nanosecond {
		return true
	}
	const maxSec, maxNano = math.MaxInt64 / 1_000_000_000, math.MaxInt64 % 1_000_000_000
	s := tm.Unix()
	return -maxSec <= s && s <= maxSec && (s < maxSec || tm.Nanosecond() <= maxNano)
}

func (c *timestampConv) append(t *tape, i int32) bool {
	return appendParsed(c.b, t, i, c.parse, c.b.Append)
}

func (c *timestampConv) check(t *tape, i int32) *mismatch { return checkParsed(t, i, c.parse, c.typ) }

// decimalConv reads numbers, and strings holding a number, rounding to
// the type's scale; a value needing more digits than the precision does
// not fit.
type decimalConv struct {
	typ     *arrow.Decimal128Type
	b       *array.Decimal128Builder
	scratch []byte
}

func (c *decimalConv) bind(b array.Builder) { c.b = b.(*array.Decimal128Builder) }

func (c *decimalConv) parse(t *tape, i int32) (decimal128.Num, bool) {
	var s []byte
	switch t.toks[i].kind {
	case kindInt, kindFloat:
		s = t.raw(i)
	case kindString, kindEscaped:
		s = t.stringValue(i, &c.scratch)
	default:
		return decimal128.Num{}, false
	}
	if !isDecimalText(s) {
		return decimal128.Num{}, false
	}
	n, err := decimal128.FromString(string(s), c.typ.Precision, c.typ.Scale)
	return n, err == nil
}

// isDecimalText reports whether s is a JSON number (not NaN or an
// infinity) of a size that decimal parsing handles quickly.
func isDecimalText(s []byte) bool {
	if len(s) == 0 || len(s) > 200 || !(s[0] == '-' || isDigit(s[0])) {
		return false
	}
	t := tape{line: s}
	if t.number() != nil || t.pos != len(s) || bytes.IndexByte(s, 'I') >= 0 {
		return false
	}
	if e := strings.IndexAny(string(s), "eE"); e >= 0 {
		exp, err := strconv.Atoi(strings.TrimPrefix(string(s[e+1:]), "+"))
		if err != nil || exp > 100 || exp < -100 {
			return false
		}
	}
	return true
}

func (c *decimalConv) append(t *tape, i int32) bool {
	return appendParsed(c.b, t, i, c.parse, c.b.Append)
}

func (c *decimalConv) check(t *tape, i int32) *mismatch { return checkParsed(t, i, c.parse, c.typ) }

// structConv reads objects. A key the struct lacks is ignored; a field
// whose key is absent is NULL; of a key given twice, the last value wins.
type structConv struct {
	typ *arrow.StructType
	keys
	kids    []converter
	slots   []int32 // per field, the tape index of its value, or -1
	b       *array.StructBuilder
	scratch []byte
}

func (c *structConv) bind(b array.Builder) {
	c.b = b.(*array.StructBuilder)
	for k, kid := range c.kids {
		kid.bind(c.b.FieldBuilder(k))
	}
}

// fill finds the value of every field in the object at tape index obj.
func (c *structConv) fill(t *tape, obj int32) { c.keys.fill(t, obj, c.slots, &c.scratch) }

// keys maps the keys of objects to fields.
type keys struct {
	names []string       // per field
	index map[string]int // field by name; of a name given twice, the first
	// guess[n] is the field the n-th key of the last object named, or -1:
	// objects of a file mostly list their keys in the same order, and a
	// comparison is cheaper than a map lookup.
	guess []int32
}

func newKeys(names []string) keys {
	k := keys{names: names, index: make(map[string]int, len(names))}
	for i, name := range names {
		if _, dup := k.index[name]; !dup {
			k.index[name] = i
		}
	}
	return k
}

// maxGuesses bounds the keys per object whose fields are remembered.
const maxGuesses = 256

// lookup returns the field named by key, the n-th key of its object, or
// -1.
func (k *keys) lookup(key []byte, n int) int {
	if n < len(k.guess) {
		if g := k.guess[n]; g >= 0 && k.names[g] == text(key) {
			return int(g)
		}
	}
	f, ok := k.index[text(key)]
	if !ok {
		f = -1
	}
	if n < maxGuesses {
		for len(k.guess) <= n {
			k.guess = append(k.guess, -1)
		}
		k.guess[n] = int32(f)
	}
	return f
}

// fill sets slots[f] to the tape index of the value of field f in the
// object at tape index obj, or -1 when the object lacks it; of a key given
// twice, the last value wins.
func (k *keys) fill(t *tape, obj int32, slots []int32, scratch *[]byte) {
	for f := range slots {
		slots[f] = -1
	}
	end := t.toks[obj].next
	n := 0
	for i := obj + 1; i < end; n++ {
		val := i + 1
		if f := k.lookup(t.stringValue(i, scratch), n); f >= 0 {
			slots[f] = val
		}
		i = t.toks[val].next
	}
}

func (c *structConv) append(t *tape, i int32) bool {
	if isNull(t, i) {
		c.b.AppendNull()
		return true
	}
	if t.toks[i].kind != kindObject {
		c.b.AppendNull()
		return false
	}
	c.fill(t, i)
	c.b.Append(true)
	ok := true
	for k, kid := range c.kids {
		if !kid.append(t, c.slots[k]) {
			ok = false
		}
	}
	return ok
}

func (c *structConv) check(t *tape, i int32) *mismatch {
	if isNull(t, i) {
		return nil
	}
	if t.toks[i].kind != kindObject {
		return misfit(t, i, c.typ)
	}
	c.fill(t, i)
	for k, kid := range c.kids {
		if m := kid.check(t, c.slots[k]); m != nil {
			return m.in(c.names[k])
		}
	}
	return nil
}

// listConv reads arrays into lists, large lists and fixed-size lists
// (an array of another length does not fit a fixed-size list).
type listConv struct {
	typ  arrow.DataType
	elem converter
	size int // of a fixed-size list; -1 otherwise
	b    array.ListLikeBuilder
}

func (c *listConv) bind(b array.Builder) {
	c.b = b.(array.ListLikeBuilder)
	c.elem.bind(c.b.ValueBuilder())
}

// fits reports whether the value at i is an array of the right length.
func (c *listConv) fits(t *tape, i int32) bool {
	if t.toks[i].kind != kindArray {
		return false
	}
	if c.size < 0 {
		return true
	}
	n := 0
	for j := i + 1; j < t.toks[i].next; j = t.toks[j].next {
		n++
	}
	return n == c.size
}

func (c *listConv) append(t *tape, i int32) bool {
	if isNull(t, i) {
		c.b.AppendNull()
		return true
	}
	if !c.fits(t, i) {
		c.b.AppendNull()
		return false
	}
	c.b.Append(true)
	ok := true
	for j := i + 1; j < t.toks[i].next; j = t.toks[j].next {
		if !c.elem.append(t, j) {
			ok = false
		}
	}
	return ok
}

func (c *listConv) check(t *tape, i int32) *mismatch {
	if isNull(t, i) {
		return nil
	}
	if !c.fits(t, i) {
		return misfit(t, i, c.typ)
	}
	k := 0
	for j := i + 1; j < t.toks[i].next; j = t.toks[j].next {
		if m := c.elem.check(t, j); m != nil {
			return m.in("[" + strconv.Itoa(k) + "]")
		}
		k++
	}
	return nil
}

// appendParsed appends the value at tape index i as parse reads it and put
// stores it: NULL for a JSON null or an absent key, NULL and false for a
// value that does not fit.
func appendParsed[T any](b array.Builder, t *tape, i int32, parse func(*tape, int32) (T, bool), put func(T)) bool {
	if isNull(t, i) {
		b.AppendNull()
		return true
	}
	x, ok := parse(t, i)
	if !ok {
		b.AppendNull()
		return false
	}
	put(x)
	return true
}

// checkParsed says why the value at i does not fit typ, or returns nil.
func checkParsed[T any](t *tape, i int32, parse func(*tape, int32) (T, bool), typ arrow.DataType) *mismatch {
	if isNull(t, i) {
		return nil
	}
	if _, ok := parse(t, i); !ok {
		return misfit(t, i, typ)
	}
	return nil
}
