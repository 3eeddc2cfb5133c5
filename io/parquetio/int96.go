package parquetio

import (
	"encoding/binary"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// int96Type is the Arrow type of INT96 columns: microseconds since the
// epoch, time zone UTC.
//
// INT96 is the deprecated timestamp of Impala, Hive and Spark: nanoseconds
// of the day and a Julian day. Its range is far wider than int64
// nanoseconds (1677-2262), and Spark, whose own timestamps are
// microseconds, writes dates outside it (0001-01-01, 9999-12-31), so ember
// reads INT96 as microseconds, as Spark and DuckDB do; nanoseconds below a
// microsecond are truncated. (arrow-go reads INT96 as nanoseconds and
// fails outside 1677-2262.) The values are instants, as Spark writes
// them, hence UTC.
var int96Type = &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}

const (
	julianUnixEpoch = 2_440_588 // the Julian day of 1970-01-01
	microsPerDay    = 86_400_000_000
)

// int96Micros is an INT96 value as microseconds since the epoch, computed
// as Spark computes it (DateTimeUtils.fromJulianDay): the Julian day and
// the nanoseconds are signed (Java has no unsigned integers), and the
// arithmetic wraps in 64 bits. Spark writes timestamps whose Julian
// microseconds exceed int64 (beyond about year 290,000) by that same
// wrapping arithmetic, with a negative nanoseconds field, and only the
// same wrapping reads them back (int96_from_spark.parquet of
// apache/parquet-testing holds one); DuckDB, which reads the nanoseconds
// unsigned, gets another date there.
func int96Micros(b []byte) int64 {
	nanos := int64(binary.LittleEndian.Uint64(b[:8]))
	days := int64(int32(binary.LittleEndian.Uint32(b[8:12]))) - julianUnixEpoch
	return days*microsPerDay + nanos/1000
}

// isInt96 reports whether an array of type have, read from a file, holds
// the INT96 values of a column of type want: rewriteFooter declares INT96
// columns FIXED_LEN_BYTE_ARRAY(12), and readFooter gives them int96Type.
// (A real fixed_size_binary(12) column never meets int96Type: schemas
// that differ so do not merge.)
func isInt96(have, want arrow.DataType) bool {
	fsb, ok := have.(*arrow.FixedSizeBinaryType)
	return ok && fsb.ByteWidth == 12 && sameType(want, int96Type)
}

// int96Timestamps converts INT96 values (fixed_size_binary(12)) to
// int96Type. Every 12 bytes are some instant, as for Spark: there is no
// error. The result is owned by the caller.
func (c conformer) int96Timestamps(a *array.FixedSizeBinary) arrow.Array {
	n := a.Len()
	values := memory.NewResizableBuffer(c.mem)
	defer values.Release()
	values.Resize(n * arrow.Int64SizeBytes)
	out := arrow.Int64Traits.CastFromBytes(values.Bytes())
	for i := range n {
		if a.IsNull(i) {
			out[i] = 0
			continue
		}
		out[i] = int96Micros(a.Value(i))
	}
	var bitmap *memory.Buffer
	if a.NullN() > 0 {
		d := a.Data()
		bitmap = memory.NewResizableBuffer(c.mem)
		defer bitmap.Release()
		bitmap.Resize(int(bitutil.BytesForBits(int64(n))))
		bitutil.CopyBitmap(d.Buffers()[0].Bytes(), d.Offset(), n, bitmap.Bytes(), 0)
	}
	data := array.NewData(int96Type, n, []*memory.Buffer{bitmap, values}, nil, a.NullN(), 0)
	defer data.Release()
	return array.MakeFromData(data)
}
