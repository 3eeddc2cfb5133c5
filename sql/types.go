package sql

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// typePattern matches a Spark type name with optional parameters:
// "bigint", "decimal(10, 2)", "varchar(20)".
var typePattern = regexp.MustCompile(`^(?i)([a-z_]+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$`)

// ParseType returns the Arrow type of a Spark SQL type name, as CAST and
// DESCRIBE spell them: boolean, tinyint/byte, smallint/short, int/integer,
// bigint/long, float/real, double, decimal(p,s) (default (10,0)),
// string/varchar(n)/char(n), binary, date, timestamp (microseconds, UTC)
// and timestamp_ntz.
func ParseType(name string) (arrow.DataType, error) {
	m := typePattern.FindStringSubmatch(strings.TrimSpace(name))
	if m == nil {
		return nil, fmt.Errorf("unknown type %q", name)
	}
	base, hasP := strings.ToLower(m[1]), m[2] != ""
	noParams := func(t arrow.DataType) (arrow.DataType, error) {
		if hasP {
			return nil, fmt.Errorf("type %s takes no parameters", base)
		}
		return t, nil
	}
	switch base {
	case "boolean", "bool":
		return noParams(arrow.FixedWidthTypes.Boolean)
	case "tinyint", "byte":
		return noParams(arrow.PrimitiveTypes.Int8)
	case "smallint", "short":
		return noParams(arrow.PrimitiveTypes.Int16)
	case "int", "integer":
		return noParams(arrow.PrimitiveTypes.Int32)
	case "bigint", "long":
		return noParams(arrow.PrimitiveTypes.Int64)
	case "float", "real":
		return noParams(arrow.PrimitiveTypes.Float32)
	case "double":
		return noParams(arrow.PrimitiveTypes.Float64)
	case "string", "varchar", "char", "text":
		return arrow.BinaryTypes.String, nil
	case "binary":
		return noParams(arrow.BinaryTypes.Binary)
	case "date":
		return noParams(arrow.FixedWidthTypes.Date32)
	case "timestamp", "timestamp_ltz":
		return noParams(&arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"})
	case "timestamp_ntz":
		return noParams(&arrow.TimestampType{Unit: arrow.Microsecond})
	case "decimal", "dec", "numeric":
		p, s := int64(10), int64(0)
		if hasP {
			p, _ = strconv.ParseInt(m[2], 10, 32)
		}
		if m[3] != "" {
			s, _ = strconv.ParseInt(m[3], 10, 32)
		}
		if p < 1 || p > 38 || s > p {
			return nil, fmt.Errorf("decimal(%d, %d): precision must be 1 to 38 and scale at most the precision", p, s)
		}
		return &arrow.Decimal128Type{Precision: int32(p), Scale: int32(s)}, nil
	}
	return nil, fmt.Errorf("unknown type %q", name)
}

// TypeName is the Spark SQL name of an Arrow type, as DESCRIBE shows it:
// int, bigint, string, double, decimal(10,2), timestamp, … Types without
// a Spark name show as Arrow prints them.
func TypeName(t arrow.DataType) string {
	switch t := t.(type) {
	case *arrow.BooleanType:
		return "boolean"
	case *arrow.Int8Type:
		return "tinyint"
	case *arrow.Int16Type:
		return "smallint"
	case *arrow.Int32Type:
		return "int"
	case *arrow.Int64Type:
		return "bigint"
	case *arrow.Float32Type:
		return "float"
	case *arrow.Float64Type:
		return "double"
	case *arrow.StringType, *arrow.LargeStringType, *arrow.StringViewType:
		return "string"
	case *arrow.BinaryType, *arrow.LargeBinaryType, *arrow.BinaryViewType:
		return "binary"
	case *arrow.Date32Type, *arrow.Date64Type:
		return "date"
	case *arrow.TimestampType:
		if t.TimeZone == "" {
			return "timestamp_ntz"
		}
		return "timestamp"
	case *arrow.Decimal128Type:
		return fmt.Sprintf("decimal(%d,%d)", t.Precision, t.Scale)
	case *arrow.NullType:
		return "void"
	case *arrow.ListType:
		return "array<" + TypeName(t.Elem()) + ">"
	case *arrow.StructType:
		parts := make([]string, t.NumFields())
		for i, f := range t.Fields() {
			parts[i] = f.Name + ":" + TypeName(f.Type)
		}
		return "struct<" + strings.Join(parts, ",") + ">"
	}
	return t.String()
}
