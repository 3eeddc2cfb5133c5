// Package tpch generates TPC-H-shaped tables as Parquet files and holds
// eight TPC-H queries (1, 3, 5, 6, 10, 12, 14, 19) written twice: with
// ember's DataFrame API and in SQL for DuckDB. bench/cmd/tpch runs them
// side by side; the package's test checks ember's answers against
// DuckDB's at a tiny scale factor.
//
// The generator follows the TPC-H specification (revision 3) closely
// enough for the queries' selectivities to be realistic: table
// cardinalities per scale factor, dates from 1992-01-01 to 1998-12-31,
// l_shipdate = o_orderdate + 1..121 days, l_commitdate = o_orderdate +
// 30..90, l_receiptdate = l_shipdate + 1..30, the return flag and line
// status rules around 1995-06-17, prices from the part key, and the
// vocabularies of segments, priorities, ship modes, instructions, brands,
// types and containers. It is not dbgen: comments are random words, not
// the spec's grammar, and only two thirds of the customers have orders
// as in the spec but order keys are dense. Money is float64 (DOUBLE),
// not DECIMAL(15,2), and dates are date32.
package tpch

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/io/parquetio"
)

// Tables lists the generated tables; each is written as <name>.parquet.
var Tables = []string{"lineitem", "orders", "customer", "part", "supplier", "nation", "region"}

// Path returns the file of table in dir.
func Path(dir, table string) string { return filepath.Join(dir, table+".parquet") }

// Spec is what a generated directory holds; it is stored beside the
// tables (spec.json) so that Generate reuses a directory only when it
// holds the same data.
type Spec struct {
	ScaleFactor  float64 `json:"scale_factor"`
	Seed         uint64  `json:"seed"`
	RowGroupRows int64   `json:"row_group_rows"`
	Version      int     `json:"version"` // bumped when the generator changes
}

// specVersion is the generator's version in Spec.
const specVersion = 1

const specFile = "spec.json"

// Generate writes the tables of scale factor sf into dir unless dir
// already holds them for the same spec (then it does nothing and reports
// reused). Row groups hold at most rowGroupRows rows (0: ember's writer
// default).
func Generate(dir string, sf float64, seed uint64, rowGroupRows int64) (reused bool, err error) {
	if sf <= 0 {
		return false, fmt.Errorf("tpch: scale factor %v must be positive", sf)
	}
	spec := Spec{ScaleFactor: sf, Seed: seed, RowGroupRows: rowGroupRows, Version: specVersion}
	if raw, err := os.ReadFile(filepath.Join(dir, specFile)); err == nil {
		var have Spec
		if json.Unmarshal(raw, &have) == nil && have == spec && allExist(dir) {
			return true, nil
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	os.Remove(filepath.Join(dir, specFile))
	g := &generator{dir: dir, sf: sf, seed: seed, opts: parquetio.Options{Compression: "snappy", RowGroupRows: rowGroupRows}}
	for _, step := range []func() error{g.region, g.nation, g.supplier, g.customer, g.part, g.ordersAndLineitem} {
		if err := step(); err != nil {
			return false, fmt.Errorf("tpch: %w", err)
		}
	}
	raw, _ := json.Marshal(spec)
	return false, os.WriteFile(filepath.Join(dir, specFile), raw, 0o644)
}

func allExist(dir string) bool {
	for _, t := range Tables {
		if _, err := os.Stat(Path(dir, t)); err != nil {
			return false
		}
	}
	return true
}

// Cardinalities per scale factor (TPC-H 4.2.5).
const (
	suppliersPerSF = 10_000
	customersPerSF = 150_000
	partsPerSF     = 200_000
	ordersPerSF    = 1_500_000
)

// scaled is n × sf, at least 1.
func scaled(n int, sf float64) int { return max(1, int(float64(n)*sf)) }

// The spec's date range and "current date" (4.2.3).
var (
	startDate   = day(1992, 1, 1)
	endDate     = day(1998, 12, 31)
	currentDate = day(1995, 6, 17)
)

// day is the date32 value (days since 1970-01-01) of a date.
func day(y int, m time.Month, d int) int32 {
	return int32(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / 86400)
}

// Vocabularies of TPC-H 4.2.2.13 and 4.2.3.
var (
	regions    = []string{"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"}
	nations    = []string{"ALGERIA", "ARGENTINA", "BRAZIL", "CANADA", "EGYPT", "ETHIOPIA", "FRANCE", "GERMANY", "INDIA", "INDONESIA", "IRAN", "IRAQ", "JAPAN", "JORDAN", "KENYA", "MOROCCO", "MOZAMBIQUE", "PERU", "CHINA", "ROMANIA", "SAUDI ARABIA", "VIETNAM", "RUSSIA", "UNITED KINGDOM", "UNITED STATES"}
	nationRegs = []int64{0, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2, 4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1}
	segments   = []string{"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"}
	priorities = []string{"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"}
	instructs  = []string{"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"}
	shipModes  = []string{"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"}
	typeS1     = []string{"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"}
	typeS2     = []string{"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"}
	typeS3     = []string{"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"}
	contS1     = []string{"SM", "LG", "MED", "JUMBO", "WRAP"}
	contS2     = []string{"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"}
	colors     = []string{"almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue", "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral", "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab", "firebrick", "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green", "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon", "light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight", "mint", "misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya", "peach", "peru", "pink", "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal", "saddle", "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke", "snow", "spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat", "white", "yellow"}
	words      = []string{"furiously", "sly", "careful", "blithely", "quickly", "fluffily", "slyly", "ironic", "final", "regular", "express", "special", "pending", "bold", "even", "silent", "unusual", "requests", "deposits", "packages", "accounts", "instructions", "theodolites", "foxes", "ideas", "pinto", "beans", "dependencies", "excuses", "platelets", "asymptotes", "courts", "dolphins", "multipliers", "sauternes", "warthogs", "frets", "dinos", "attainments", "somas", "tithes", "sheaves", "pearls", "braids", "decoys", "about", "above", "according", "across", "after", "against", "along", "among", "around", "at", "nag", "sleep", "wake", "are", "cajole", "haggle", "integrate", "boost", "detect", "use", "engage", "affix", "print", "doze"}
)

// generator writes the tables of one scale factor.
type generator struct {
	dir  string
	sf   float64
	seed uint64
	opts parquetio.Options
}

// rng returns the random stream of one table (independent of the others,
// so that a table's data does not depend on which were generated first).
func (g *generator) rng(stream uint64) *rand.Rand {
	return rand.New(rand.NewPCG(g.seed, stream))
}

// table writes one Parquet file from the batches fill produces: fill is
// called with a fresh record builder and a flush function that writes
// the builder's rows as one batch.
func (g *generator) table(name string, schema *arrow.Schema, fill func(b *array.RecordBuilder, flush func() error) error) error {
	tmp := Path(g.dir, name) + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	w, err := parquetio.Format{Options: g.opts}.NewWriter(f, schema)
	if err != nil {
		f.Close()
		return err
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	flush := func() error {
		rec := b.NewRecordBatch()
		defer rec.Release()
		if rec.NumRows() == 0 {
			return nil
		}
		return w.Write(rec)
	}
	err = fill(b, flush)
	if err == nil {
		err = flush()
	}
	err = errors.Join(err, w.Close(), f.Close())
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return os.Rename(tmp, Path(g.dir, name))
}

// batchRows is the rows per written batch.
const batchRows = 1 << 16

var (
	i64  = arrow.PrimitiveTypes.Int64
	f64  = arrow.PrimitiveTypes.Float64
	str  = arrow.BinaryTypes.String
	date = arrow.FixedWidthTypes.Date32
)

func schemaOf(names []string, types ...arrow.DataType) *arrow.Schema {
	fields := make([]arrow.Field, len(names))
	for i, n := range names {
		fields[i] = arrow.Field{Name: n, Type: types[i]}
	}
	return arrow.NewSchema(fields, nil)
}

func (g *generator) region() error {
	s := schemaOf([]string{"r_regionkey", "r_name", "r_comment"}, i64, str, str)
	r := g.rng(1)
	return g.table("region", s, func(b *array.RecordBuilder, _ func() error) error {
		for i, name := range regions {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(name)
			b.Field(2).(*array.StringBuilder).Append(text(r, 31, 115))
		}
		return nil
	})
}

func (g *generator) nation() error {
	s := schemaOf([]string{"n_nationkey", "n_name", "n_regionkey", "n_comment"}, i64, str, i64, str)
	r := g.rng(2)
	return g.table("nation", s, func(b *array.RecordBuilder, _ func() error) error {
		for i, name := range nations {
			b.Field(0).(*array.Int64Builder).Append(int64(i))
			b.Field(1).(*array.StringBuilder).Append(name)
			b.Field(2).(*array.Int64Builder).Append(nationRegs[i])
			b.Field(3).(*array.StringBuilder).Append(text(r, 31, 114))
		}
		return nil
	})
}

func (g *generator) supplier() error {
	s := schemaOf([]string{"s_suppkey", "s_name", "s_address", "s_nationkey", "s_phone", "s_acctbal", "s_comment"},
		i64, str, str, i64, str, f64, str)
	r := g.rng(3)
	n := scaled(suppliersPerSF, g.sf)
	return g.table("supplier", s, func(b *array.RecordBuilder, flush func() error) error {
		for k := 1; k <= n; k++ {
			nation := r.IntN(25)
			b.Field(0).(*array.Int64Builder).Append(int64(k))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("Supplier#%09d", k))
			b.Field(2).(*array.StringBuilder).Append(address(r))
			b.Field(3).(*array.Int64Builder).Append(int64(nation))
			b.Field(4).(*array.StringBuilder).Append(phone(r, nation))
			b.Field(5).(*array.Float64Builder).Append(money(r, -99999, 999999))
			b.Field(6).(*array.StringBuilder).Append(text(r, 25, 100))
			if k%batchRows == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

func (g *generator) customer() error {
	s := schemaOf([]string{"c_custkey", "c_name", "c_address", "c_nationkey", "c_phone", "c_acctbal", "c_mktsegment", "c_comment"},
		i64, str, str, i64, str, f64, str, str)
	r := g.rng(4)
	n := scaled(customersPerSF, g.sf)
	return g.table("customer", s, func(b *array.RecordBuilder, flush func() error) error {
		for k := 1; k <= n; k++ {
			nation := r.IntN(25)
			b.Field(0).(*array.Int64Builder).Append(int64(k))
			b.Field(1).(*array.StringBuilder).Append(fmt.Sprintf("Customer#%09d", k))
			b.Field(2).(*array.StringBuilder).Append(address(r))
			b.Field(3).(*array.Int64Builder).Append(int64(nation))
			b.Field(4).(*array.StringBuilder).Append(phone(r, nation))
			b.Field(5).(*array.Float64Builder).Append(money(r, -99999, 999999))
			b.Field(6).(*array.StringBuilder).Append(segments[r.IntN(len(segments))])
			b.Field(7).(*array.StringBuilder).Append(text(r, 29, 116))
			if k%batchRows == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// retailPrice is p_retailprice of a part key (4.2.3).
func retailPrice(partkey int64) float64 {
	return float64(90000+((partkey/10)%20001)+100*(partkey%1000)) / 100
}

func (g *generator) part() error {
	s := schemaOf([]string{"p_partkey", "p_name", "p_mfgr", "p_brand", "p_type", "p_size", "p_container", "p_retailprice", "p_comment"},
		i64, str, str, str, str, i64, str, f64, str)
	r := g.rng(5)
	n := scaled(partsPerSF, g.sf)
	return g.table("part", s, func(b *array.RecordBuilder, flush func() error) error {
		for k := 1; k <= n; k++ {
			name := ""
			for i := range 5 {
				if i > 0 {
					name += " "
				}
				name += colors[r.IntN(len(colors))]
			}
			m := 1 + r.IntN(5)
			b.Field(0).(*array.Int64Builder).Append(int64(k))
			b.Field(1).(*array.StringBuilder).Append(name)
			b.Field(2).(*array.StringBuilder).Append(fmt.Sprintf("Manufacturer#%d", m))
			b.Field(3).(*array.StringBuilder).Append(fmt.Sprintf("Brand#%d%d", m, 1+r.IntN(5)))
			b.Field(4).(*array.StringBuilder).Append(typeS1[r.IntN(6)] + " " + typeS2[r.IntN(5)] + " " + typeS3[r.IntN(5)])
			b.Field(5).(*array.Int64Builder).Append(int64(1 + r.IntN(50)))
			b.Field(6).(*array.StringBuilder).Append(contS1[r.IntN(5)] + " " + contS2[r.IntN(8)])
			b.Field(7).(*array.Float64Builder).Append(retailPrice(int64(k)))
			b.Field(8).(*array.StringBuilder).Append(text(r, 5, 22))
			if k%batchRows == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// ordersAndLineitem writes orders and lineitem together: an order's
// status and total price come from its lines.
func (g *generator) ordersAndLineitem() error {
	os_ := schemaOf([]string{"o_orderkey", "o_custkey", "o_orderstatus", "o_totalprice", "o_orderdate", "o_orderpriority", "o_clerk", "o_shippriority", "o_comment"},
		i64, i64, str, f64, date, str, str, i64, str)
	ls := schemaOf([]string{"l_orderkey", "l_partkey", "l_suppkey", "l_linenumber", "l_quantity", "l_extendedprice", "l_discount", "l_tax",
		"l_returnflag", "l_linestatus", "l_shipdate", "l_commitdate", "l_receiptdate", "l_shipinstruct", "l_shipmode", "l_comment"},
		i64, i64, i64, i64, f64, f64, f64, f64, str, str, date, date, date, str, str, str)
	r := g.rng(6)
	nOrders := scaled(ordersPerSF, g.sf)
	nCust := int64(scaled(customersPerSF, g.sf))
	nPart := int64(scaled(partsPerSF, g.sf))
	nSupp := int64(scaled(suppliersPerSF, g.sf))
	nClerk := scaled(1000, g.sf)
	lastOrderDate := endDate - 151

	// lineitem has its own writer, fed while orders are generated.
	lf, err := os.Create(Path(g.dir, "lineitem") + ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(Path(g.dir, "lineitem") + ".tmp")
	lw, err := parquetio.Format{Options: g.opts}.NewWriter(lf, ls)
	if err != nil {
		lf.Close()
		return err
	}
	lb := array.NewRecordBuilder(memory.DefaultAllocator, ls)
	defer lb.Release()
	lflush := func() error {
		rec := lb.NewRecordBatch()
		defer rec.Release()
		if rec.NumRows() == 0 {
			return nil
		}
		return lw.Write(rec)
	}
	l := func(i int) *array.Int64Builder { return lb.Field(i).(*array.Int64Builder) }
	lfl := func(i int) *array.Float64Builder { return lb.Field(i).(*array.Float64Builder) }
	ls_ := func(i int) *array.StringBuilder { return lb.Field(i).(*array.StringBuilder) }
	ld := func(i int) *array.Date32Builder { return lb.Field(i).(*array.Date32Builder) }

	err = g.table("orders", os_, func(b *array.RecordBuilder, flush func() error) error {
		for k := int64(1); k <= int64(nOrders); k++ {
			// Only customers whose key is not a multiple of 3 order (4.2.3).
			cust := 1 + r.Int64N(nCust)
			for cust%3 == 0 && nCust > 2 {
				cust = 1 + r.Int64N(nCust)
			}
			odate := startDate + int32(r.IntN(int(lastOrderDate-startDate)+1))
			nlines := 1 + r.IntN(7)
			total := 0.0
			fCount := 0
			for ln := 1; ln <= nlines; ln++ {
				partkey := 1 + r.Int64N(nPart)
				// The spec's supplier of a part (4.2.3, i in 0..3).
				i := r.Int64N(4)
				suppkey := (partkey+i*(nSupp/4+(partkey-1)/nSupp))%nSupp + 1
				qty := float64(1 + r.IntN(50))
				price := qty * retailPrice(partkey)
				disc := float64(r.IntN(11)) / 100
				tax := float64(r.IntN(9)) / 100
				ship := odate + 1 + int32(r.IntN(121))
				commit := odate + 30 + int32(r.IntN(61))
				receipt := ship + 1 + int32(r.IntN(30))
				flag := "N"
				if receipt <= currentDate {
					flag = "R"
					if r.IntN(2) == 0 {
						flag = "A"
					}
				}
				status := "O"
				if ship <= currentDate {
					status = "F"
					fCount++
				}
				total += price * (1 + tax) * (1 - disc)
				l(0).Append(k)
				l(1).Append(partkey)
				l(2).Append(suppkey)
				l(3).Append(int64(ln))
				lfl(4).Append(qty)
				lfl(5).Append(price)
				lfl(6).Append(disc)
				lfl(7).Append(tax)
				ls_(8).Append(flag)
				ls_(9).Append(status)
				ld(10).Append(arrow.Date32(ship))
				ld(11).Append(arrow.Date32(commit))
				ld(12).Append(arrow.Date32(receipt))
				ls_(13).Append(instructs[r.IntN(len(instructs))])
				ls_(14).Append(shipModes[r.IntN(len(shipModes))])
				ls_(15).Append(text(r, 10, 43))
				if lb.Field(0).Len() >= batchRows {
					if err := lflush(); err != nil {
						return err
					}
				}
			}
			ostatus := "P"
			switch fCount {
			case nlines:
				ostatus = "F"
			case 0:
				ostatus = "O"
			}
			b.Field(0).(*array.Int64Builder).Append(k)
			b.Field(1).(*array.Int64Builder).Append(cust)
			b.Field(2).(*array.StringBuilder).Append(ostatus)
			b.Field(3).(*array.Float64Builder).Append(float64(int64(total*100+0.5)) / 100)
			b.Field(4).(*array.Date32Builder).Append(arrow.Date32(odate))
			b.Field(5).(*array.StringBuilder).Append(priorities[r.IntN(len(priorities))])
			b.Field(6).(*array.StringBuilder).Append(fmt.Sprintf("Clerk#%09d", 1+r.IntN(nClerk)))
			b.Field(7).(*array.Int64Builder).Append(0)
			b.Field(8).(*array.StringBuilder).Append(text(r, 19, 78))
			if b.Field(0).Len() >= batchRows {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err == nil {
		err = lflush()
	}
	err = errors.Join(err, lw.Close(), lf.Close())
	if err != nil {
		return fmt.Errorf("lineitem: %w", err)
	}
	return os.Rename(Path(g.dir, "lineitem")+".tmp", Path(g.dir, "lineitem"))
}

// text is random words of total length in [lo, hi] characters.
func text(r *rand.Rand, lo, hi int) string {
	n := lo + r.IntN(hi-lo+1)
	buf := make([]byte, 0, n+12)
	for len(buf) < n {
		if len(buf) > 0 {
			buf = append(buf, ' ')
		}
		buf = append(buf, words[r.IntN(len(words))]...)
	}
	return string(buf[:n])
}

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789,"

// address is a random string of 10 to 40 characters (4.2.2.7).
func address(r *rand.Rand) string {
	n := 10 + r.IntN(31)
	buf := make([]byte, n)
	for i := range buf {
		buf[i] = alnum[r.IntN(len(alnum))]
	}
	return string(buf)
}

// phone is a phone number whose country code is the nation key + 10.
func phone(r *rand.Rand, nation int) string {
	return fmt.Sprintf("%02d-%03d-%03d-%04d", nation+10, 100+r.IntN(900), 100+r.IntN(900), 1000+r.IntN(9000))
}

// money is a random amount in [lo, hi] cents, in units.
func money(r *rand.Rand, lo, hi int) float64 {
	return float64(lo+r.IntN(hi-lo+1)) / 100
}
