package eval

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/compute"
)

func TestCastArray(t *testing.T) {
	var (
		str = arrow.BinaryTypes.String
		ts  = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
		tsS = &arrow.TimestampType{Unit: arrow.Second}
	)
	cases := []struct {
		name string
		from arrow.DataType
		in   string
		to   arrow.DataType
		want string // values joined by ","
	}{
		{"string-to-int64", str, `["12", " 13 ", "-4", "1.5", "abc", "", null, "9223372036854775808"]`, arrow.PrimitiveTypes.Int64,
			"12,13,-4,NULL,NULL,NULL,NULL,NULL"},
		{"string-to-int8-overflow", str, `["127", "128", "-128", "-129"]`, arrow.PrimitiveTypes.Int8, "127,NULL,-128,NULL"},
		{"string-to-int32", str, `["2147483647", "2147483648", "0x10"]`, arrow.PrimitiveTypes.Int32, "2147483647,NULL,NULL"},
		{"string-to-uint8", str, `["255", "256", "-1"]`, arrow.PrimitiveTypes.Uint8, "255,NULL,NULL"},
		{"string-to-uint64", str, `["18446744073709551615", "x"]`, arrow.PrimitiveTypes.Uint64, "18446744073709551615,NULL"},
		{"string-to-float64", str, `["1.5", "2", "1e3", "NaN", "inf", "x", " 0.25 ", null]`, arrow.PrimitiveTypes.Float64,
			"1.5,2.0,1000.0,NaN,+Inf,NULL,0.25,NULL"},
		{"string-to-float32", str, `["0.1", "3.4e39", "bad"]`, arrow.PrimitiveTypes.Float32, "0.1,NULL,NULL"},
		{"string-to-bool", str, `["true", "false", "TRUE", "1", "0", "yes", "", null]`, arrow.FixedWidthTypes.Boolean,
			"true,false,true,true,false,NULL,NULL,NULL"},
		{"string-to-date", str, `["2024-01-05", " 2024-02-29 ", "2023-02-29", "2024-1-5", "05/01/2024", null]`, arrow.FixedWidthTypes.Date32,
			"2024-01-05,2024-02-29,NULL,NULL,NULL,NULL"},
		{"string-to-timestamp", str, `["2024-01-05 10:20:30", "2024-01-05T10:20:30.5Z", "2024-01-05T12:20:30+02:00", "2024-01-05", "noon", null]`, ts,
			"2024-01-05 10:20:30,2024-01-05 10:20:30.5,2024-01-05 10:20:30,NULL,NULL,NULL"},
		{"string-to-timestamp-seconds", str, `["2024-01-05 10:20:30.9"]`, tsS, "2024-01-05 10:20:30"},
		{"string-to-decimal", str, `["1.5", "-0.25", "12345678.91", "123456789.1", "x", null]`, &arrow.Decimal128Type{Precision: 10, Scale: 2},
			"1.50,-0.25,12345678.91,NULL,NULL,NULL"},
		{"int-to-string", arrow.PrimitiveTypes.Int64, `[1, -2, null]`, str, "1,-2,NULL"},
		{"float-to-string", arrow.PrimitiveTypes.Float64, `[1, 0.5, null]`, str, "1.0,0.5,NULL"},
		{"float32-to-string", arrow.PrimitiveTypes.Float32, `[0.1, 2]`, str, "0.1,2.0"},
		{"bool-to-string", arrow.FixedWidthTypes.Boolean, `[true, false]`, str, "true,false"},
		{"date-to-string", arrow.FixedWidthTypes.Date32, `[19727]`, str, "2024-01-05"},
		{"null-to-int", arrow.Null, `[null, null]`, arrow.PrimitiveTypes.Int32, "NULL,NULL"},
		{"same-type", arrow.PrimitiveTypes.Int32, `[1, null]`, arrow.PrimitiveTypes.Int32, "1,NULL"},
		{"float-to-int-truncates", arrow.PrimitiveTypes.Float64, `[1.9, -1.9, null]`, arrow.PrimitiveTypes.Int64, "1,-1,NULL"},
		{"int-to-float", arrow.PrimitiveTypes.Int32, `[3]`, arrow.PrimitiveTypes.Float64, "3.0"},
		{"bool-to-int", arrow.FixedWidthTypes.Boolean, `[true, false, null]`, arrow.PrimitiveTypes.Int32, "1,0,NULL"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mem := checkedAlloc(t)
			in := arrayFromJSON(t, mem, c.from, c.in)
			defer in.Release()
			out, err := castArray(compute.WithAllocator(context.Background(), mem), in, c.to)
			if err != nil {
				t.Fatal(err)
			}
			defer out.Release()
			if !arrow.TypeEqual(out.DataType(), c.to) || out.Len() != in.Len() {
				t.Fatalf("cast gave %d values of %s", out.Len(), out.DataType())
			}
			got := make([]string, out.Len())
			for i := range got {
				if out.IsNull(i) {
					got[i] = "NULL"
				} else {
					got[i] = string(AppendValue(nil, out, i))
				}
			}
			if strings.Join(got, ",") != c.want {
				t.Fatalf("cast %s to %s = %s, want %s", c.in, c.to, strings.Join(got, ","), c.want)
			}
		})
	}
}
