package parquetio

import (
	"encoding/binary"
	"testing"
	"time"
)

// sparkInt96 is Spark's writer of INT96 (DateTimeUtils.toJulianDay, and
// ParquetWriteSupport's little-endian nanoseconds then Julian day), in Go
// with Java's arithmetic: 64-bit wrapping, division toward zero.
func sparkInt96(micros int64) []byte {
	const julianDayOfEpoch, microsPerDay = 2440588, 86_400_000_000
	julianUs := micros + julianDayOfEpoch*microsPerDay // wraps beyond year 290,000
	days := julianUs / microsPerDay
	nanos := (julianUs % microsPerDay) * 1000
	b := binary.LittleEndian.AppendUint64(nil, uint64(nanos))
	return binary.LittleEndian.AppendUint32(b, uint32(int32(days)))
}

// TestInt96MicrosReadsWhatSparkWrites checks int96Micros against Spark's
// writer over its whole range: years 1 and 9999, around the epoch, and
// the dates beyond int64 Julian microseconds where Spark writes a
// negative nanoseconds field (int96_from_spark.parquet of
// apache/parquet-testing holds 290000-12-30T23:00:00Z so).
func TestInt96MicrosReadsWhatSparkWrites(t *testing.T) {
	for _, micros := range []int64{
		time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro(),
		time.Date(9999, 12, 31, 23, 59, 59, 999999000, time.UTC).UnixMicro(),
		-1, 0, 1,
		1704141296123456,    // 2024-01-01T20:34:56.123456Z
		9089380393200000000, // 290000-12-30T23:00:00Z
		9223372036854775807 - 2440588*86_400_000_000 - 1,
		9223372036854775807,
		-9223372036854775808 + 86_400_000_000,
	} {
		if got := int96Micros(sparkInt96(micros)); got != micros {
			t.Errorf("Spark writes %d as % x, read back as %d", micros, sparkInt96(micros), got)
		}
	}
}

// TestInt96MicrosTruncatesNanoseconds checks that the nanoseconds below a
// microsecond are dropped, toward the earlier instant for dates after the
// epoch's Julian day and before it alike (the nanoseconds of the day are
// positive as Impala writes them).
func TestInt96MicrosTruncatesNanoseconds(t *testing.T) {
	impala := func(julian uint32, nanos uint64) []byte {
		return binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint64(nil, nanos), julian)
	}
	for _, tc := range []struct {
		b    []byte
		want int64
	}{
		{impala(2440588, 1999), 1},
		{impala(2440587, 86_399_999_999_999), -1},
		{impala(0, 0), -2440588 * 86_400_000_000},
	} {
		if got := int96Micros(tc.b); got != tc.want {
			t.Errorf("% x: %d, want %d", tc.b, got, tc.want)
		}
	}
}
