// Package widefile generates the wide Parquet file that ember's Parquet
// benchmarks read (bench/cmd/parquet-compare and bench/parquetchoice): 20
// columns c0…c19 of mixed int64, float64 and string values, snappy, written
// with ember's own Parquet writer (io/parquetio, on arrow-go's pqarrow).
//
// The data is deterministic for a given Spec, and Write computes, while
// generating, what a scan filtered on c0 > Spec.Threshold must return, so a
// benchmark can check every run of every contender.
package widefile

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/parquetio"
)

// NumColumns is the number of columns of the file.
const NumColumns = 20

// FilterColumn is the column the benchmarks filter on: uniform integers in
// [0, FilterRange), never NULL.
const (
	FilterColumn = "c0"
	FilterRange  = 1_000_000
)

// Kind is the type of a column.
type Kind int

// The column kinds.
const (
	Int64 Kind = iota
	Float64
	String
)

// String returns the kind's name as the benchmarks print it.
func (k Kind) String() string {
	switch k {
	case Int64:
		return "int64"
	case Float64:
		return "float64"
	}
	return "string"
}

// KindOf returns the kind of column i: c0, c3, … are int64, c1, c4, … are
// float64 and c2, c5, … are strings (7 int64, 7 float64, 6 string columns).
func KindOf(i int) Kind { return Kind(i % 3) }

// Name returns the name of column i ("c0" … "c19").
func Name(i int) string { return fmt.Sprintf("c%d", i) }

// Schema returns the file's Arrow schema. Every column is nullable, as
// ember's own frames are; columns with i%4 == 3 hold about 1% NULLs.
func Schema() *arrow.Schema {
	fields := make([]arrow.Field, NumColumns)
	types := [...]arrow.DataType{arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String}
	for i := range fields {
		fields[i] = arrow.Field{Name: Name(i), Type: types[KindOf(i)], Nullable: true}
	}
	return arrow.NewSchema(fields, nil)
}

// Spec says what to generate.
type Spec struct {
	Rows         int    // rows in the file
	Seed         uint64 // seed of the generator
	RowGroupRows int64  // rows per row group; 0 means ember's default (1Mi)
	// Threshold is the filter the expectation is computed for: rows with
	// c0 > Threshold are kept.
	Threshold int64
}

// Sum is the checksum of one column over the kept rows.
type Sum struct {
	NonNull int64 // values that are not NULL
	// Int is the sum of an int64 column, or the total length in bytes of a
	// string column's values.
	Int int64
	// Float is the sum of a float64 column, in generation order; Abs is the
	// sum of the absolute values, which bounds the rounding error of summing
	// in another order (see Tolerance).
	Float, Abs float64
}

// Expectation is what a correct scan of the file filtered on
// c0 > Spec.Threshold returns.
type Expectation struct {
	Rows int64           // rows in the file
	Kept int64           // rows with c0 > Threshold
	Cols [NumColumns]Sum // per column, over the kept rows
	Size int64           // bytes of the file
	Spec Spec            // what was generated
}

// Tolerance is the largest difference allowed between a float64 column's
// sum as a contender computes it (in any order, in float64) and the
// generator's: each of n additions rounds by at most 2⁻⁵³ times the running
// sum's magnitude, which is at most s.Abs, so n·2⁻⁵³·Abs bounds the
// difference of two orders; 1e-9·Abs covers n up to millions with a wide
// margin, and a wrong column or wrong rows move a sum by far more.
func (s Sum) Tolerance() float64 { return 1e-9 * s.Abs }

// batchRows is the number of rows generated per batch handed to the
// writer.
const batchRows = 64 << 10

// Write generates the file at path and returns the expectation for it.
func Write(path string, spec Spec) (Expectation, error) {
	exp := Expectation{Spec: spec}
	if spec.Rows < 0 {
		return exp, fmt.Errorf("widefile: negative row count %d", spec.Rows)
	}
	opts := parquetio.DefaultOptions()
	if spec.RowGroupRows > 0 {
		opts.RowGroupRows = spec.RowGroupRows
	}
	f, err := os.Create(path)
	if err != nil {
		return exp, fmt.Errorf("widefile: %w", err)
	}
	defer f.Close()
	buf := bufio.NewWriterSize(f, 1<<20)
	schema := Schema()
	w, err := parquetio.Format{Options: opts}.NewWriter(buf, schema)
	if err != nil {
		return exp, fmt.Errorf("widefile: %w", err)
	}
	g := newGenerator(spec.Seed)
	rb := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer rb.Release()
	for done := 0; done < spec.Rows; {
		n := min(batchRows, spec.Rows-done)
		for range n {
			g.row(rb, &exp)
		}
		b := rb.NewRecordBatch()
		err := w.Write(b)
		b.Release()
		if err != nil {
			return exp, fmt.Errorf("widefile: %w", err)
		}
		done += n
	}
	if err := w.Close(); err != nil {
		return exp, fmt.Errorf("widefile: %w", err)
	}
	if err := buf.Flush(); err != nil {
		return exp, fmt.Errorf("widefile: %w", err)
	}
	if err := f.Close(); err != nil {
		return exp, fmt.Errorf("widefile: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return exp, fmt.Errorf("widefile: %w", err)
	}
	exp.Rows, exp.Size = int64(spec.Rows), fi.Size()
	return exp, nil
}

// generator draws the rows. Each column has its own distribution, so that
// the file mixes what real tables hold: uniform and skewed integers, an id,
// prices with two decimals, measurements, short words from small
// vocabularies (dictionary-encoded by the writer) and random text (plain
// encoded).
type generator struct {
	rng    *rand.Rand
	id     int64
	vocabs map[int][][]byte // word vocabularies by size
	text   []byte           // scratch for random strings
}

func newGenerator(seed uint64) *generator {
	g := &generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), vocabs: map[int][][]byte{}}
	for _, n := range []int{50, 1000, 10000} {
		g.vocabs[n] = vocabulary(n, seed+uint64(n))
	}
	return g
}

// vocabulary returns n distinct lowercase words of 3 to 10 letters.
func vocabulary(n int, seed uint64) [][]byte {
	rng := rand.New(rand.NewPCG(seed, 42))
	seen := map[string]bool{}
	var out [][]byte
	for len(out) < n {
		b := make([]byte, 3+rng.IntN(8))
		for i := range b {
			b[i] = 'a' + byte(rng.IntN(26))
		}
		if !seen[string(b)] {
			seen[string(b)] = true
			out = append(out, b)
		}
	}
	return out
}

// alphabet has 32 letters, so that five random bits pick one.
const alphabet = "abcdefghijklmnopqrstuvwxyz012345"

// randomText returns a random string of minLen to maxLen letters from
// alphabet; the result aliases g.text.
func (g *generator) randomText(minLen, maxLen int) []byte {
	n := minLen + g.rng.IntN(maxLen-minLen+1)
	g.text = g.text[:0]
	for len(g.text) < n {
		bits := g.rng.Uint64()
		for k := 0; k < 12 && len(g.text) < n; k++ {
			g.text = append(g.text, alphabet[bits&31])
			bits >>= 5
		}
	}
	return g.text
}

// row appends one row to rb and accounts for it in exp.
func (g *generator) row(rb *array.RecordBuilder, exp *Expectation) {
	g.id++
	c0 := g.rng.Int64N(FilterRange)
	kept := c0 > exp.Spec.Threshold
	if kept {
		exp.Kept++
	}
	for i := range NumColumns {
		if i%4 == 3 && g.rng.IntN(100) == 0 {
			rb.Field(i).AppendNull()
			continue
		}
		var sum *Sum
		if kept {
			sum = &exp.Cols[i]
			sum.NonNull++
		}
		switch KindOf(i) {
		case Int64:
			v := g.int64Value(i, c0)
			rb.Field(i).(*array.Int64Builder).Append(v)
			if sum != nil {
				sum.Int += v
			}
		case Float64:
			v := g.float64Value(i)
			rb.Field(i).(*array.Float64Builder).Append(v)
			if sum != nil {
				sum.Float += v
				sum.Abs += math.Abs(v)
			}
		case String:
			v := g.stringValue(i)
			rb.Field(i).(*array.StringBuilder).BinaryBuilder.Append(v)
			if sum != nil {
				sum.Int += int64(len(v))
			}
		}
	}
}

func (g *generator) int64Value(i int, c0 int64) int64 {
	switch i {
	case 0:
		return c0
	case 3:
		return g.rng.Int64N(100)
	case 6:
		return g.rng.Int64N(2_000_000_000_000) - 1_000_000_000_000
	case 9:
		return g.id
	case 12:
		return g.rng.Int64N(1_000_000)
	case 15:
		return g.rng.Int64N(10_000)
	default: // 18
		return g.rng.Int64N(1 << 31)
	}
}

func (g *generator) float64Value(i int) float64 {
	switch i {
	case 1:
		return g.rng.Float64() * 1000
	case 4:
		return g.rng.NormFloat64()
	case 7, 19: // prices: whole cents
		return float64(100+g.rng.IntN(49_900)) / 100
	case 10:
		return g.rng.Float64()
	case 13:
		return 100 + 15*g.rng.NormFloat64()
	default: // 16
		return g.rng.Float64()*2e6 - 1e6
	}
}

func (g *generator) stringValue(i int) []byte {
	switch i {
	case 2:
		return g.randomText(8, 24)
	case 5:
		return g.vocabs[1000][g.rng.IntN(1000)]
	case 8:
		return fmt.Appendf(g.text[:0], "user-%07d", g.rng.IntN(10_000_000))
	case 11:
		return g.vocabs[50][g.rng.IntN(50)]
	case 14:
		return g.randomText(4, 12)
	default: // 17
		return g.vocabs[10000][g.rng.IntN(10000)]
	}
}
