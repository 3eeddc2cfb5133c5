package frame

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// ErrNull is wrapped by the error of a typed Row getter (GetString, …)
// whose value is NULL; test with IsNull first, or use Get, which returns
// nil for NULL.
var ErrNull = errors.New("frame: the value is NULL")

// Row is one row of a DataFrame, as Rows, First and Head return it. Its
// values come back as Go values: NULL as nil; integers and floats as
// their own Go type (int32, float64 …; float16 as float32); strings as
// string; binary as []byte; dates and timestamps as time.Time (dates at
// UTC midnight, timestamps in their column's time zone, UTC without one);
// times of day and durations as time.Duration; decimals as their decimal
// string ("12.50"); lists as []any; structs as map[string]any; maps as
// map[any]any (binary keys as strings); dictionary values as their
// value's type; other types as arrow-go's array.ValueAsAny gives them.
//
// Every value a getter returns is a copy the caller owns. The Row itself,
// as Rows yields it, reads from a batch that is released after the loop
// body: it is valid until then, and Copy makes a Row that stays valid.
// The Rows of First and Head hold copies already. The zero Row has no
// columns.
type Row struct {
	schema *arrow.Schema
	cols   []arrow.Array // the batch's columns, for a Row that reads from one
	row    int
	values []any // the values, for a Row that holds copies (cols nil)
}

// Schema returns the schema of the row's DataFrame.
func (r Row) Schema() *arrow.Schema { return r.schema }

// Len returns the number of columns.
func (r Row) Len() int {
	if r.schema == nil {
		return 0
	}
	return r.schema.NumFields()
}

// Value returns the value of column i (0-based) as Get does. It panics if
// i is out of range.
func (r Row) Value(i int) any {
	if i < 0 || i >= r.Len() {
		panic(fmt.Sprintf("frame: Row.Value(%d): the row has %d columns", i, r.Len()))
	}
	if r.cols == nil {
		return r.values[i]
	}
	return goValue(r.cols[i], r.row)
}

// Get returns the value of the column called name (nil for NULL), as the
// Row documentation lists. It panics, naming the columns that exist, when
// there is no such column or the name is ambiguous (a join's output):
// misspelling a column is a programming error, as indexing past a slice
// is. The typed getters return an error instead.
func (r Row) Get(name string) any {
	i, err := r.index(name)
	if err != nil {
		panic(fmt.Sprintf("frame: Row.Get(%q): %v", name, err))
	}
	return r.Value(i)
}

// IsNull reports whether the column called name is NULL. It panics as Get
// does for a missing column.
func (r Row) IsNull(name string) bool {
	i, err := r.index(name)
	if err != nil {
		panic(fmt.Sprintf("frame: Row.IsNull(%q): %v", name, err))
	}
	if r.cols == nil {
		return r.values[i] == nil
	}
	return r.cols[i].IsNull(r.row)
}

// index finds the column called name.
func (r Row) index(name string) (int, error) {
	if r.schema == nil {
		return 0, fmt.Errorf("no column %q (the row is empty)", name)
	}
	switch is := r.schema.FieldIndices(name); len(is) {
	case 1:
		return is[0], nil
	case 0:
		return 0, fmt.Errorf("no column %q (columns: %s)", name, strings.Join(fieldNamesOf(r.schema), ", "))
	default:
		return 0, fmt.Errorf("column name %q is ambiguous: %d columns have it", name, len(is))
	}
}

func fieldNamesOf(s *arrow.Schema) []string {
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return names
}

// typed finds column name for getter and returns its non-NULL value.
func (r Row) typed(getter, name string) (any, arrow.DataType, error) {
	i, err := r.index(name)
	if err != nil {
		return nil, nil, fmt.Errorf("frame: Row.%s(%q): %v", getter, name, err)
	}
	v := r.Value(i)
	t := r.schema.Field(i).Type
	if v == nil {
		return nil, t, fmt.Errorf("frame: Row.%s(%q): %w", getter, name, ErrNull)
	}
	return v, t, nil
}

func wrongType(getter, name string, t arrow.DataType, want string) error {
	return fmt.Errorf("frame: Row.%s(%q): the column is %s, not %s", getter, name, t, want)
}

// GetString returns the string column called name. It fails for a NULL
// (ErrNull), a column of another type or a missing column.
func (r Row) GetString(name string) (string, error) {
	v, t, err := r.typed("GetString", name)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok {
		return "", wrongType("GetString", name, t, "a string")
	}
	return s, nil
}

// GetInt64 returns the integer column called name (of any integer type
// whose values fit in an int64). It fails for a NULL (ErrNull), a column
// of another type, a uint64 beyond math.MaxInt64 or a missing column.
func (r Row) GetInt64(name string) (int64, error) {
	v, t, err := r.typed("GetInt64", name)
	if err != nil {
		return 0, err
	}
	switch v := v.(type) {
	case int8:
		return int64(v), nil
	case int16:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case int64:
		return v, nil
	case uint8:
		return int64(v), nil
	case uint16:
		return int64(v), nil
	case uint32:
		return int64(v), nil
	case uint64:
		if v > math.MaxInt64 {
			return 0, fmt.Errorf("frame: Row.GetInt64(%q): %d does not fit in an int64", name, v)
		}
		return int64(v), nil
	}
	return 0, wrongType("GetInt64", name, t, "an integer")
}

// GetFloat64 returns the floating-point or integer column called name as
// a float64 (integers beyond 2^53 round). It fails for a NULL (ErrNull), a
// column of another type or a missing column.
func (r Row) GetFloat64(name string) (float64, error) {
	v, t, err := r.typed("GetFloat64", name)
	if err != nil {
		return 0, err
	}
	switch v := v.(type) {
	case float32:
		return float64(v), nil
	case float64:
		return v, nil
	}
	if i, err := r.GetInt64(name); err == nil {
		return float64(i), nil
	}
	return 0, wrongType("GetFloat64", name, t, "a number")
}

// GetBool returns the boolean column called name. It fails for a NULL
// (ErrNull), a column of another type or a missing column.
func (r Row) GetBool(name string) (bool, error) {
	v, t, err := r.typed("GetBool", name)
	if err != nil {
		return false, err
	}
	b, ok := v.(bool)
	if !ok {
		return false, wrongType("GetBool", name, t, "a boolean")
	}
	return b, nil
}

// GetTime returns the date or timestamp column called name: a date at UTC
// midnight, a timestamp in its column's time zone (UTC without one). It
// fails for a NULL (ErrNull), a column of another type or a missing
// column.
func (r Row) GetTime(name string) (time.Time, error) {
	v, t, err := r.typed("GetTime", name)
	if err != nil {
		return time.Time{}, err
	}
	tm, ok := v.(time.Time)
	if !ok {
		return time.Time{}, wrongType("GetTime", name, t, "a date or timestamp")
	}
	return tm, nil
}

// Values returns the row's values in column order, as Get returns them.
func (r Row) Values() []any {
	out := make([]any, r.Len())
	for i := range out {
		out[i] = r.Value(i)
	}
	return out
}

// Map returns the row as a map from column name to value (PySpark's
// asDict); of columns sharing a name, the last wins.
func (r Row) Map() map[string]any {
	out := make(map[string]any, r.Len())
	for i := range r.Len() {
		out[r.schema.Field(i).Name] = r.Value(i)
	}
	return out
}

// Copy returns a Row holding copies of r's values, valid after the batch
// r reads from is released. Its getters return the same copies on every
// call: a caller that changes a []byte, slice or map a getter returned
// changes the Row.
func (r Row) Copy() Row {
	if r.cols == nil {
		return r
	}
	return Row{schema: r.schema, values: r.Values()}
}

// String renders the row as Spark does: Row(id=1, name=ann, score=NULL),
// floats with a ".0" when whole.
func (r Row) String() string {
	var b strings.Builder
	b.WriteString("Row(")
	for i := range r.Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(r.schema.Field(i).Name)
		b.WriteByte('=')
		b.WriteString(formatValue(r.Value(i), r.schema.Field(i).Type))
	}
	b.WriteByte(')')
	return b.String()
}

// formatValue renders a value Get returned: NULL, floats with a ".0"
// when whole, dates as 2006-01-02, timestamps as 2006-01-02 15:04:05
// (with the fraction when there is one).
func formatValue(v any, t arrow.DataType) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case float32:
		return formatFloat(float64(v), 32)
	case float64:
		return formatFloat(v, 64)
	case time.Time:
		if t.ID() == arrow.DATE32 || t.ID() == arrow.DATE64 {
			return v.Format(time.DateOnly)
		}
		return v.Format("2006-01-02 15:04:05.999999999")
	case []byte:
		return string(v)
	}
	return fmt.Sprint(v)
}

func formatFloat(f float64, bits int) string {
	s := strconv.FormatFloat(f, 'g', -1, bits)
	if !strings.ContainsAny(s, ".eIN") {
		s += ".0"
	}
	return s
}

// goValue converts value i of arr to the Go value Row documents.
func goValue(arr arrow.Array, i int) any {
	if arr.IsNull(i) {
		return nil
	}
	switch a := arr.(type) {
	case *array.Boolean:
		return a.Value(i)
	case *array.Int8:
		return a.Value(i)
	case *array.Int16:
		return a.Value(i)
	case *array.Int32:
		return a.Value(i)
	case *array.Int64:
		return a.Value(i)
	case *array.Uint8:
		return a.Value(i)
	case *array.Uint16:
		return a.Value(i)
	case *array.Uint32:
		return a.Value(i)
	case *array.Uint64:
		return a.Value(i)
	case *array.Float16:
		return a.Value(i).Float32()
	case *array.Float32:
		return a.Value(i)
	case *array.Float64:
		return a.Value(i)
	case *array.String:
		return strings.Clone(a.Value(i))
	case *array.LargeString:
		return strings.Clone(a.Value(i))
	case *array.StringView:
		return strings.Clone(a.Value(i))
	case *array.Binary:
		return slices.Clone(a.Value(i))
	case *array.LargeBinary:
		return slices.Clone(a.Value(i))
	case *array.BinaryView:
		return slices.Clone(a.Value(i))
	case *array.FixedSizeBinary:
		return slices.Clone(a.Value(i))
	case *array.Date32:
		return a.Value(i).ToTime()
	case *array.Date64:
		return a.Value(i).ToTime()
	case *array.Timestamp:
		t := a.DataType().(*arrow.TimestampType)
		tm := a.Value(i).ToTime(t.Unit)
		if loc, err := t.GetZone(); err == nil && loc != nil {
			tm = tm.In(loc)
		}
		return tm
	case *array.Time32:
		unit := a.DataType().(*arrow.Time32Type).Unit
		return time.Duration(a.Value(i)) * unit.Multiplier()
	case *array.Time64:
		unit := a.DataType().(*arrow.Time64Type).Unit
		return time.Duration(a.Value(i)) * unit.Multiplier()
	case *array.Duration:
		unit := a.DataType().(*arrow.DurationType).Unit
		return time.Duration(a.Value(i)) * unit.Multiplier()
	case *array.Decimal128:
		return decimalString(a.Value(i).BigInt(), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal256:
		return decimalString(a.Value(i).BigInt(), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal32:
		return decimalString(big.NewInt(int64(a.Value(i))), a.DataType().(arrow.DecimalType).GetScale())
	case *array.Decimal64:
		return decimalString(big.NewInt(int64(a.Value(i))), a.DataType().(arrow.DecimalType).GetScale())
	case array.ListLike:
		lo, hi := a.ValueOffsets(i)
		out := make([]any, 0, hi-lo)
		for j := lo; j < hi; j++ {
			out = append(out, goValue(a.ListValues(), int(j)))
		}
		if m, ok := arr.(*array.Map); ok {
			return mapValue(m, out)
		}
		return out
	case *array.Struct:
		st := a.DataType().(*arrow.StructType)
		out := make(map[string]any, a.NumField())
		for f := range a.NumField() {
			out[st.Field(f).Name] = goValue(a.Field(f), i)
		}
		return out
	case *array.Dictionary:
		return goValue(a.Dictionary(), a.GetValueIndex(i))
	}
	return array.ValueAsAny(arr, i)
}

// decimalString renders unscaled × 10^-scale with exactly scale
// decimals, as Spark renders a decimal ("12.50").
func decimalString(unscaled *big.Int, scale int32) string {
	if scale <= 0 {
		return unscaled.Mul(unscaled, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil)).String()
	}
	digits := new(big.Int).Abs(unscaled).String()
	if pad := int(scale) + 1 - len(digits); pad > 0 {
		digits = strings.Repeat("0", pad) + digits
	}
	cut := len(digits) - int(scale)
	sign := ""
	if unscaled.Sign() < 0 {
		sign = "-"
	}
	return sign + digits[:cut] + "." + digits[cut:]
}

// mapValue turns the entries of a map value (structs of key and value, as
// goValue renders them) into a Go map; binary keys become strings.
func mapValue(m *array.Map, entries []any) map[any]any {
	mt := m.DataType().(*arrow.MapType)
	key, value := mt.KeyField().Name, mt.ItemField().Name
	out := make(map[any]any, len(entries))
	for _, e := range entries {
		kv := e.(map[string]any)
		k := kv[key]
		if b, ok := k.([]byte); ok {
			k = string(b)
		}
		switch k.(type) {
		case []any, map[string]any, map[any]any:
			k = fmt.Sprint(k) // an unhashable key: its rendering
		}
		out[k] = kv[value]
	}
	return out
}
