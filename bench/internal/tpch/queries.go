package tpch

import (
	"fmt"
	"strings"
	"time"

	"github.com/ember-df/ember/frame"
)

// Query is one TPC-H query in both forms. The two return the same
// columns, in the same order, sorted the same way.
type Query struct {
	Name string // "q1", "q3", …
	// SQL is the query for DuckDB, over read_parquet of the tables in dir.
	SQL func(dir string) string
	// Frame builds the query with ember's DataFrame API over the tables
	// in dir.
	Frame func(sess *frame.Session, dir string) *frame.DataFrame
}

// Queries lists the eight queries in TPC-H's order.
var Queries = []Query{
	{"q1", sqlQ1, frameQ1},
	{"q3", sqlQ3, frameQ3},
	{"q5", sqlQ5, frameQ5},
	{"q6", sqlQ6, frameQ6},
	{"q10", sqlQ10, frameQ10},
	{"q12", sqlQ12, frameQ12},
	{"q14", sqlQ14, frameQ14},
	{"q19", sqlQ19, frameQ19},
}

// Lookup returns the query called name.
func Lookup(name string) (Query, bool) {
	for _, q := range Queries {
		if q.Name == name {
			return q, true
		}
	}
	return Query{}, false
}

// sqlOver replaces each {table} in query with read_parquet of its file.
func sqlOver(dir, query string) string {
	for _, t := range Tables {
		query = strings.ReplaceAll(query, "{"+t+"}", fmt.Sprintf("read_parquet('%s')", strings.ReplaceAll(Path(dir, t), "'", "''")))
	}
	return query
}

// d is a date literal for the DataFrame queries.
func d(y int, m time.Month, day int) frame.Column {
	return frame.Lit(time.Date(y, m, day, 0, 0, 0, 0, time.UTC))
}

var (
	col = frame.Col
	lit = frame.Lit
)

// revenue is l_extendedprice * (1 - l_discount).
func revenue() frame.Column {
	return col("l_extendedprice").Mul(lit(1).Sub(col("l_discount")))
}

func read(sess *frame.Session, dir, table string) *frame.DataFrame {
	return sess.Read().Parquet(Path(dir, table))
}

func sqlQ1(dir string) string {
	return sqlOver(dir, `SELECT l_returnflag, l_linestatus,
  sum(l_quantity) AS sum_qty,
  sum(l_extendedprice) AS sum_base_price,
  sum(l_extendedprice * (1 - l_discount)) AS sum_disc_price,
  sum(l_extendedprice * (1 - l_discount) * (1 + l_tax)) AS sum_charge,
  avg(l_quantity) AS avg_qty,
  avg(l_extendedprice) AS avg_price,
  avg(l_discount) AS avg_disc,
  count(*) AS count_order
FROM {lineitem}
WHERE l_shipdate <= DATE '1998-09-02'
GROUP BY l_returnflag, l_linestatus
ORDER BY l_returnflag, l_linestatus`)
}

func frameQ1(sess *frame.Session, dir string) *frame.DataFrame {
	return read(sess, dir, "lineitem").
		Filter(col("l_shipdate").Le(d(1998, 9, 2))).
		GroupBy("l_returnflag", "l_linestatus").
		Agg(
			frame.Sum("l_quantity").As("sum_qty"),
			frame.Sum("l_extendedprice").As("sum_base_price"),
			frame.Sum(revenue()).As("sum_disc_price"),
			frame.Sum(revenue().Mul(lit(1).Add(col("l_tax")))).As("sum_charge"),
			frame.Avg("l_quantity").As("avg_qty"),
			frame.Avg("l_extendedprice").As("avg_price"),
			frame.Avg("l_discount").As("avg_disc"),
			frame.Count("*").As("count_order"),
		).
		OrderBy("l_returnflag", "l_linestatus")
}

func sqlQ3(dir string) string {
	return sqlOver(dir, `SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
FROM {customer}, {orders}, {lineitem}
WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
  AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
GROUP BY l_orderkey, o_orderdate, o_shippriority
ORDER BY revenue DESC, o_orderdate
LIMIT 10`)
}

func frameQ3(sess *frame.Session, dir string) *frame.DataFrame {
	customer := read(sess, dir, "customer").Filter(col("c_mktsegment").Eq(lit("BUILDING")))
	orders := read(sess, dir, "orders").Filter(col("o_orderdate").Lt(d(1995, 3, 15)))
	lineitem := read(sess, dir, "lineitem").Filter(col("l_shipdate").Gt(d(1995, 3, 15)))
	return lineitem.
		Join(orders.Join(customer, col("o_custkey").Eq(col("c_custkey"))), col("l_orderkey").Eq(col("o_orderkey"))).
		GroupBy("l_orderkey", "o_orderdate", "o_shippriority").
		Agg(frame.Sum(revenue()).As("revenue")).
		Select("l_orderkey", "revenue", "o_orderdate", "o_shippriority").
		OrderBy(col("revenue").Desc(), "o_orderdate").
		Limit(10)
}

func sqlQ5(dir string) string {
	return sqlOver(dir, `SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue
FROM {customer}, {orders}, {lineitem}, {supplier}, {nation}, {region}
WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey
  AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey
  AND r_name = 'ASIA' AND o_orderdate >= DATE '1994-01-01' AND o_orderdate < DATE '1995-01-01'
GROUP BY n_name
ORDER BY revenue DESC`)
}

func frameQ5(sess *frame.Session, dir string) *frame.DataFrame {
	region := read(sess, dir, "region").Filter(col("r_name").Eq(lit("ASIA")))
	nation := read(sess, dir, "nation").Join(region, col("n_regionkey").Eq(col("r_regionkey")))
	customer := read(sess, dir, "customer").Join(nation, col("c_nationkey").Eq(col("n_nationkey")))
	orders := read(sess, dir, "orders").
		Filter(col("o_orderdate").Ge(d(1994, 1, 1)).And(col("o_orderdate").Lt(d(1995, 1, 1)))).
		Join(customer, col("o_custkey").Eq(col("c_custkey")))
	supplier := read(sess, dir, "supplier")
	return read(sess, dir, "lineitem").
		Join(orders, col("l_orderkey").Eq(col("o_orderkey"))).
		Join(supplier, col("l_suppkey").Eq(col("s_suppkey")).And(col("c_nationkey").Eq(col("s_nationkey")))).
		GroupBy("n_name").
		Agg(frame.Sum(revenue()).As("revenue")).
		OrderBy(col("revenue").Desc())
}

func sqlQ6(dir string) string {
	return sqlOver(dir, `SELECT sum(l_extendedprice * l_discount) AS revenue
FROM {lineitem}
WHERE l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'
  AND l_discount BETWEEN 0.05 AND 0.07 AND l_quantity < 24`)
}

func frameQ6(sess *frame.Session, dir string) *frame.DataFrame {
	return read(sess, dir, "lineitem").
		Filter(col("l_shipdate").Ge(d(1994, 1, 1)).
			And(col("l_shipdate").Lt(d(1995, 1, 1))).
			And(col("l_discount").Between(0.05, 0.07)).
			And(col("l_quantity").Lt(24))).
		Agg(frame.Sum(col("l_extendedprice").Mul(col("l_discount"))).As("revenue"))
}

func sqlQ10(dir string) string {
	return sqlOver(dir, `SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue,
  c_acctbal, n_name, c_address, c_phone, c_comment
FROM {customer}, {orders}, {lineitem}, {nation}
WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey
  AND o_orderdate >= DATE '1993-10-01' AND o_orderdate < DATE '1994-01-01'
  AND l_returnflag = 'R' AND c_nationkey = n_nationkey
GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment
ORDER BY revenue DESC
LIMIT 20`)
}

func frameQ10(sess *frame.Session, dir string) *frame.DataFrame {
	orders := read(sess, dir, "orders").
		Filter(col("o_orderdate").Ge(d(1993, 10, 1)).And(col("o_orderdate").Lt(d(1994, 1, 1))))
	customer := read(sess, dir, "customer").
		Join(read(sess, dir, "nation"), col("c_nationkey").Eq(col("n_nationkey")))
	return read(sess, dir, "lineitem").
		Filter(col("l_returnflag").Eq(lit("R"))).
		Join(orders, col("l_orderkey").Eq(col("o_orderkey"))).
		Join(customer, col("o_custkey").Eq(col("c_custkey"))).
		GroupBy("c_custkey", "c_name", "c_acctbal", "c_phone", "n_name", "c_address", "c_comment").
		Agg(frame.Sum(revenue()).As("revenue")).
		Select("c_custkey", "c_name", "revenue", "c_acctbal", "n_name", "c_address", "c_phone", "c_comment").
		OrderBy(col("revenue").Desc()).
		Limit(20)
}

func sqlQ12(dir string) string {
	return sqlOver(dir, `SELECT l_shipmode,
  sum(CASE WHEN o_orderpriority = '1-URGENT' OR o_orderpriority = '2-HIGH' THEN 1 ELSE 0 END) AS high_line_count,
  sum(CASE WHEN o_orderpriority <> '1-URGENT' AND o_orderpriority <> '2-HIGH' THEN 1 ELSE 0 END) AS low_line_count
FROM {orders}, {lineitem}
WHERE o_orderkey = l_orderkey AND l_shipmode IN ('MAIL', 'SHIP')
  AND l_commitdate < l_receiptdate AND l_shipdate < l_commitdate
  AND l_receiptdate >= DATE '1994-01-01' AND l_receiptdate < DATE '1995-01-01'
GROUP BY l_shipmode
ORDER BY l_shipmode`)
}

func frameQ12(sess *frame.Session, dir string) *frame.DataFrame {
	lineitem := read(sess, dir, "lineitem").
		Filter(col("l_shipmode").IsIn("MAIL", "SHIP").
			And(col("l_commitdate").Lt(col("l_receiptdate"))).
			And(col("l_shipdate").Lt(col("l_commitdate"))).
			And(col("l_receiptdate").Ge(d(1994, 1, 1))).
			And(col("l_receiptdate").Lt(d(1995, 1, 1))))
	high := col("o_orderpriority").Eq(lit("1-URGENT")).Or(col("o_orderpriority").Eq(lit("2-HIGH")))
	return read(sess, dir, "orders").
		Join(lineitem, col("o_orderkey").Eq(col("l_orderkey"))).
		GroupBy("l_shipmode").
		Agg(
			frame.Sum(frame.When(high, 1).Otherwise(0)).As("high_line_count"),
			frame.Sum(frame.When(high.Not(), 1).Otherwise(0)).As("low_line_count"),
		).
		OrderBy("l_shipmode")
}

func sqlQ14(dir string) string {
	return sqlOver(dir, `SELECT 100.00 * sum(CASE WHEN p_type LIKE 'PROMO%' THEN l_extendedprice * (1 - l_discount) ELSE 0 END)
  / sum(l_extendedprice * (1 - l_discount)) AS promo_revenue
FROM {lineitem}, {part}
WHERE l_partkey = p_partkey AND l_shipdate >= DATE '1995-09-01' AND l_shipdate < DATE '1995-10-01'`)
}

func frameQ14(sess *frame.Session, dir string) *frame.DataFrame {
	return read(sess, dir, "lineitem").
		Filter(col("l_shipdate").Ge(d(1995, 9, 1)).And(col("l_shipdate").Lt(d(1995, 10, 1)))).
		Join(read(sess, dir, "part"), col("l_partkey").Eq(col("p_partkey"))).
		Agg(
			frame.Sum(frame.When(col("p_type").Like("PROMO%"), revenue()).Otherwise(0.0)).As("promo"),
			frame.Sum(revenue()).As("total"),
		).
		Select(lit(100.0).Mul(col("promo")).Div(col("total")).As("promo_revenue"))
}

func sqlQ19(dir string) string {
	return sqlOver(dir, `SELECT sum(l_extendedprice * (1 - l_discount)) AS revenue
FROM {lineitem}, {part}
WHERE p_partkey = l_partkey AND l_shipmode IN ('AIR', 'AIR REG') AND l_shipinstruct = 'DELIVER IN PERSON'
  AND ((p_brand = 'Brand#12' AND p_container IN ('SM CASE', 'SM BOX', 'SM PACK', 'SM PKG')
        AND l_quantity >= 1 AND l_quantity <= 11 AND p_size BETWEEN 1 AND 5)
    OR (p_brand = 'Brand#23' AND p_container IN ('MED BAG', 'MED BOX', 'MED PKG', 'MED PACK')
        AND l_quantity >= 10 AND l_quantity <= 20 AND p_size BETWEEN 1 AND 10)
    OR (p_brand = 'Brand#34' AND p_container IN ('LG CASE', 'LG BOX', 'LG PACK', 'LG PKG')
        AND l_quantity >= 20 AND l_quantity <= 30 AND p_size BETWEEN 1 AND 15))`)
}

func frameQ19(sess *frame.Session, dir string) *frame.DataFrame {
	branch := func(brand string, containers []any, qlo, qhi, size int) frame.Column {
		return col("p_brand").Eq(lit(brand)).
			And(col("p_container").IsIn(containers...)).
			And(col("l_quantity").Ge(qlo)).And(col("l_quantity").Le(qhi)).
			And(col("p_size").Between(1, size))
	}
	lineitem := read(sess, dir, "lineitem").
		Filter(col("l_shipmode").IsIn("AIR", "AIR REG").And(col("l_shipinstruct").Eq(lit("DELIVER IN PERSON"))))
	return lineitem.
		Join(read(sess, dir, "part"), col("l_partkey").Eq(col("p_partkey"))).
		Filter(branch("Brand#12", []any{"SM CASE", "SM BOX", "SM PACK", "SM PKG"}, 1, 11, 5).
			Or(branch("Brand#23", []any{"MED BAG", "MED BOX", "MED PKG", "MED PACK"}, 10, 20, 10)).
			Or(branch("Brand#34", []any{"LG CASE", "LG BOX", "LG PACK", "LG PKG"}, 20, 30, 15))).
		Agg(frame.Sum(revenue()).As("revenue"))
}
