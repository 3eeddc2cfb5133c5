package sql

import (
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/plan/optimize"
)

// tpchCatalog has the TPC-H tables' schemas as views over sources of two
// empty partitions: planning needs the schemas only.
func tpchCatalog(t testing.TB) *Catalog {
	t.Helper()
	i64, f64, str, date := arrow.PrimitiveTypes.Int64, arrow.PrimitiveTypes.Float64, arrow.BinaryTypes.String, arrow.FixedWidthTypes.Date32
	i32 := arrow.PrimitiveTypes.Int32
	tables := map[string][]arrow.Field{
		"region":   {{Name: "r_regionkey", Type: i64}, {Name: "r_name", Type: str}, {Name: "r_comment", Type: str}},
		"nation":   {{Name: "n_nationkey", Type: i64}, {Name: "n_name", Type: str}, {Name: "n_regionkey", Type: i64}, {Name: "n_comment", Type: str}},
		"supplier": {{Name: "s_suppkey", Type: i64}, {Name: "s_name", Type: str}, {Name: "s_address", Type: str}, {Name: "s_nationkey", Type: i64}, {Name: "s_phone", Type: str}, {Name: "s_acctbal", Type: f64}, {Name: "s_comment", Type: str}},
		"customer": {{Name: "c_custkey", Type: i64}, {Name: "c_name", Type: str}, {Name: "c_address", Type: str}, {Name: "c_nationkey", Type: i64}, {Name: "c_phone", Type: str}, {Name: "c_acctbal", Type: f64}, {Name: "c_mktsegment", Type: str}, {Name: "c_comment", Type: str}},
		"part":     {{Name: "p_partkey", Type: i64}, {Name: "p_name", Type: str}, {Name: "p_mfgr", Type: str}, {Name: "p_brand", Type: str}, {Name: "p_type", Type: str}, {Name: "p_size", Type: i32}, {Name: "p_container", Type: str}, {Name: "p_retailprice", Type: f64}, {Name: "p_comment", Type: str}},
		"partsupp": {{Name: "ps_partkey", Type: i64}, {Name: "ps_suppkey", Type: i64}, {Name: "ps_availqty", Type: i32}, {Name: "ps_supplycost", Type: f64}, {Name: "ps_comment", Type: str}},
		"orders":   {{Name: "o_orderkey", Type: i64}, {Name: "o_custkey", Type: i64}, {Name: "o_orderstatus", Type: str}, {Name: "o_totalprice", Type: f64}, {Name: "o_orderdate", Type: date}, {Name: "o_orderpriority", Type: str}, {Name: "o_clerk", Type: str}, {Name: "o_shippriority", Type: i32}, {Name: "o_comment", Type: str}},
		"lineitem": {{Name: "l_orderkey", Type: i64}, {Name: "l_partkey", Type: i64}, {Name: "l_suppkey", Type: i64}, {Name: "l_linenumber", Type: i32}, {Name: "l_quantity", Type: f64}, {Name: "l_extendedprice", Type: f64}, {Name: "l_discount", Type: f64}, {Name: "l_tax", Type: f64}, {Name: "l_returnflag", Type: str}, {Name: "l_linestatus", Type: str}, {Name: "l_shipdate", Type: date}, {Name: "l_commitdate", Type: date}, {Name: "l_receiptdate", Type: date}, {Name: "l_shipinstruct", Type: str}, {Name: "l_shipmode", Type: str}, {Name: "l_comment", Type: str}},
	}
	cat := &Catalog{}
	for name, fields := range tables {
		src, err := plan.NewMemorySource(arrow.NewSchema(fields, nil), [][]arrow.RecordBatch{{}, {}})
		if err != nil {
			t.Fatal(err)
		}
		if err := cat.CreateTempView(name, &plan.Scan{Source: src}, false); err != nil {
			t.Fatal(err)
		}
	}
	return cat
}

// tpchSQL are TPC-H queries as a Spark user writes them: comma joins
// with the join conditions in WHERE (3, 5, 10), explicit JOINs (3 again),
// correlated subqueries (17, 20), EXISTS / NOT EXISTS (4, 21's shape).
var tpchSQL = map[string]struct {
	query string
	joins int
}{
	"q3": {`SELECT l_orderkey, sum(l_extendedprice * (1 - l_discount)) AS revenue, o_orderdate, o_shippriority
		FROM customer, orders, lineitem
		WHERE c_mktsegment = 'BUILDING' AND c_custkey = o_custkey AND l_orderkey = o_orderkey
		  AND o_orderdate < DATE '1995-03-15' AND l_shipdate > DATE '1995-03-15'
		GROUP BY l_orderkey, o_orderdate, o_shippriority
		ORDER BY revenue DESC, o_orderdate LIMIT 10`, 2},
	"q3-join": {`SELECT l.l_orderkey, sum(l.l_extendedprice * (1 - l.l_discount)) AS revenue, o.o_orderdate, o.o_shippriority
		FROM customer c JOIN orders o ON c.c_custkey = o.o_custkey
		JOIN lineitem l ON l.l_orderkey = o.o_orderkey
		WHERE c.c_mktsegment = 'BUILDING' AND o.o_orderdate < DATE '1995-03-15' AND l.l_shipdate > DATE '1995-03-15'
		GROUP BY l.l_orderkey, o.o_orderdate, o.o_shippriority
		ORDER BY revenue DESC, o.o_orderdate LIMIT 10`, 2},
	"q5": {`SELECT n_name, sum(l_extendedprice * (1 - l_discount)) AS revenue
		FROM customer, orders, lineitem, supplier, nation, region
		WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey AND l_suppkey = s_suppkey
		  AND c_nationkey = s_nationkey AND s_nationkey = n_nationkey AND n_regionkey = r_regionkey
		  AND r_name = 'ASIA' AND o_orderdate >= DATE '1994-01-01' AND o_orderdate < DATE '1995-01-01'
		GROUP BY n_name
		ORDER BY revenue DESC`, 5},
	"q10": {`SELECT c_custkey, c_name, sum(l_extendedprice * (1 - l_discount)) AS revenue,
		  c_acctbal, n_name, c_address, c_phone, c_comment
		FROM customer, orders, lineitem, nation
		WHERE c_custkey = o_custkey AND l_orderkey = o_orderkey
		  AND o_orderdate >= DATE '1993-10-01' AND o_orderdate < DATE '1994-01-01'
		  AND l_returnflag = 'R' AND c_nationkey = n_nationkey
		GROUP BY c_custkey, c_name, c_acctbal, c_phone, n_name, c_address, c_comment
		ORDER BY revenue DESC LIMIT 20`, 3},
	"q4": {`SELECT o_orderpriority, count(*) AS order_count
		FROM orders
		WHERE o_orderdate >= DATE '1993-07-01' AND o_orderdate < DATE '1993-10-01'
		  AND EXISTS (SELECT * FROM lineitem WHERE l_orderkey = o_orderkey AND l_commitdate < l_receiptdate)
		GROUP BY o_orderpriority
		ORDER BY o_orderpriority`, 1},
	"q17": {`SELECT sum(l_extendedprice) / 7.0 AS avg_yearly
		FROM lineitem, part
		WHERE p_partkey = l_partkey AND p_brand = 'Brand#23' AND p_container = 'MED BOX'
		  AND l_quantity < (SELECT 0.2 * avg(l_quantity) FROM lineitem WHERE l_partkey = p_partkey)`, 2},
	"q20": {`SELECT s_name, s_address
		FROM supplier, nation
		WHERE s_suppkey IN (
		    SELECT ps_suppkey FROM partsupp
		    WHERE ps_partkey IN (SELECT p_partkey FROM part WHERE p_name LIKE 'forest%')
		      AND ps_availqty > (SELECT 0.5 * sum(l_quantity) FROM lineitem
		                         WHERE l_partkey = ps_partkey AND l_suppkey = ps_suppkey
		                           AND l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1995-01-01'))
		  AND s_nationkey = n_nationkey AND n_name = 'CANADA'
		ORDER BY s_name`, 4},
	"q21-shape": {`SELECT s_name, count(*) AS numwait
		FROM supplier, lineitem l1, orders, nation
		WHERE s_suppkey = l1.l_suppkey AND o_orderkey = l1.l_orderkey AND o_orderstatus = 'F'
		  AND l1.l_receiptdate > l1.l_commitdate
		  AND EXISTS (SELECT * FROM lineitem l2 WHERE l2.l_orderkey = l1.l_orderkey AND l2.l_suppkey <> l1.l_suppkey)
		  AND NOT EXISTS (SELECT * FROM lineitem l3 WHERE l3.l_orderkey = l1.l_orderkey
		                  AND l3.l_suppkey <> l1.l_suppkey AND l3.l_receiptdate > l3.l_commitdate)
		  AND s_nationkey = n_nationkey AND n_name = 'SAUDI ARABIA'
		GROUP BY s_name
		ORDER BY numwait DESC, s_name LIMIT 100`, 5},
}

// TestTPCHPlansHashJoins plans TPC-H queries written in SQL and checks
// that the executor runs every join as a hash join — the comma joins'
// WHERE equalities and the decorrelated subqueries' correlations become
// join keys — broadcast when the inputs are small and shuffled when
// broadcasts are off; no nested loops.
func TestTPCHPlansHashJoins(t *testing.T) {
	cat := tpchCatalog(t)
	for name, q := range tpchSQL {
		n, err := Plan(cat, q.query)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		optimized := optimize.Optimize(n)
		for _, c := range []struct {
			threshold int64
			strategy  string
		}{{0, "BroadcastHashJoinExec"}, {-1, "ShuffledHashJoinExec"}} {
			g, err := exec.NewGraph(optimized, exec.Config{Parallelism: 2, BroadcastThreshold: c.threshold})
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			explain := g.Explain()
			g.Finish()
			hash := strings.Count(explain, "HashJoinExec")
			if strings.Contains(explain, "NestedLoop") || hash != q.joins {
				t.Errorf("%s (broadcast threshold %d): %d hash joins, want %d and no nested loops:\n%s\n%s", name, c.threshold, hash, q.joins, plan.Explain(optimized), explain)
			}
			if c.threshold < 0 && strings.Count(explain, c.strategy) != q.joins {
				t.Errorf("%s: want %d %s:\n%s", name, q.joins, c.strategy, explain)
			}
		}
	}
}

// BenchmarkPlanTPCH measures translating TPC-H queries 5 (a six-table
// comma join) and 20 (nested IN subqueries and a correlated scalar
// subquery) from text to a logical plan.
func BenchmarkPlanTPCH(b *testing.B) {
	cat := tpchCatalog(b)
	for _, name := range []string{"q5", "q20"} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Plan(cat, tpchSQL[name].query); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
