package eval

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

func TestAppendValue(t *testing.T) {
	cases := []struct {
		typ  arrow.DataType
		in   string
		want []string
	}{
		{arrow.PrimitiveTypes.Float64, `[1, 0.1, -2.5, 1e21, 1e-7, "NaN", "Inf", "-Inf"]`,
			[]string{"1.0", "0.1", "-2.5", "1e+21", "1e-07", "NaN", "+Inf", "-Inf"}},
		{arrow.PrimitiveTypes.Float32, `[0.1, 3, 16777216]`, []string{"0.1", "3.0", "1.6777216e+07"}},
		{arrow.PrimitiveTypes.Int8, `[-128, 127]`, []string{"-128", "127"}},
		{arrow.PrimitiveTypes.Int64, `[-9223372036854775808]`, []string{"-9223372036854775808"}},
		{arrow.PrimitiveTypes.Uint32, `[4294967295]`, []string{"4294967295"}},
		{arrow.PrimitiveTypes.Uint64, `[18446744073709551615]`, []string{"18446744073709551615"}},
		{arrow.FixedWidthTypes.Boolean, `[true, false]`, []string{"true", "false"}},
		{arrow.BinaryTypes.String, `["", "a,b", "é"]`, []string{"", "a,b", "é"}},
		{arrow.FixedWidthTypes.Date32, `[0, 19727, -1]`, []string{"1970-01-01", "2024-01-05", "1969-12-31"}},
		{&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}, `[1704450030000000, 1704450030500000, 1704450030000001]`,
			[]string{"2024-01-05 10:20:30", "2024-01-05 10:20:30.5", "2024-01-05 10:20:30.000001"}},
		{&arrow.TimestampType{Unit: arrow.Second}, `[0]`, []string{"1970-01-01 00:00:00"}},
		{&arrow.TimestampType{Unit: arrow.Millisecond}, `[1704450030123]`, []string{"2024-01-05 10:20:30.123"}},
		{arrow.FixedWidthTypes.Date64, `[86400000]`, []string{"1970-01-02"}},
		{&arrow.Decimal128Type{Precision: 10, Scale: 2}, `["1.5", "-0.05", "12345678.91", "0"]`, []string{"1.50", "-0.05", "12345678.91", "0.00"}},
		{&arrow.Decimal128Type{Precision: 5, Scale: 0}, `["42"]`, []string{"42"}},
	}
	for _, c := range cases {
		mem := checkedAlloc(t)
		a := arrayFromJSON(t, mem, c.typ, c.in)
		for i, want := range c.want {
			if got := string(AppendValue(nil, a, i)); got != want {
				t.Errorf("%s value %d: %q, want %q", c.typ, i, got, want)
			}
		}
		if got := string(AppendValue([]byte("x="), a, 0)); got != "x="+c.want[0] {
			t.Errorf("%s: prefix lost: %q", c.typ, got)
		}
		a.Release()
	}
}

// TestAppendValueCopies checks the row copier used by grouping, for the
// types with a fast path and one without.
func TestAppendValueCopies(t *testing.T) {
	types := []struct {
		typ arrow.DataType
		in  string
	}{
		{arrow.PrimitiveTypes.Int64, `[1, null, -3]`},
		{arrow.PrimitiveTypes.Int32, `[1, null, -3]`},
		{arrow.PrimitiveTypes.Float64, `[1.5, null, -3]`},
		{arrow.PrimitiveTypes.Float32, `[1.5, null, -3]`},
		{arrow.BinaryTypes.String, `["a", null, ""]`},
		{arrow.FixedWidthTypes.Boolean, `[true, null, false]`},
		{arrow.FixedWidthTypes.Date32, `[19727, null, 0]`},
		{arrow.PrimitiveTypes.Uint64, `[18446744073709551615, null, 0]`},
		{arrow.PrimitiveTypes.Int8, `[-128, null, 127]`},
	}
	for _, c := range types {
		mem := checkedAlloc(t)
		in := arrayFromJSON(t, mem, c.typ, c.in)
		b := array.NewBuilder(mem, c.typ)
		for i := in.Len() - 1; i >= 0; i-- {
			CopyValue(b, in, i)
		}
		out := b.NewArray()
		b.Release()
		for i := 0; i < in.Len(); i++ {
			j := in.Len() - 1 - i
			if in.IsNull(i) != out.IsNull(j) || (!in.IsNull(i) && in.ValueStr(i) != out.ValueStr(j)) {
				t.Errorf("%s: value %d copied as %s", c.typ, i, out.ValueStr(j))
			}
		}
		in.Release()
		out.Release()
	}
}
