package frame_test

import (
	"testing"
)

// sqlJoinCorpus is the differential corpus of joins and subqueries
// (issue 15), over the tables of sqlCorpus (t: ids 1..150, u: ids
// 120..179, both with skewed keys k, NULLs in every column but id) and a
// small v (ids 1..20). Compared as sqlCorpus is.
var sqlJoinCorpus = []struct {
	query, duck string
}{
	// every join kind, ON
	{query: "SELECT t.id, u.id AS uid FROM t JOIN u ON t.id = u.id"},
	{query: "SELECT t.id, u.id AS uid, t.k, u.k AS uk FROM t INNER JOIN u ON t.k = u.k AND t.g = u.g"},
	{query: "SELECT t.id, u.id AS uid FROM t LEFT JOIN u ON t.id = u.id"},
	{query: "SELECT t.id, u.id AS uid, u.s FROM t LEFT OUTER JOIN u ON t.g = u.g AND u.x > t.x"},
	{query: "SELECT t.id, u.id AS uid FROM t RIGHT JOIN u ON t.id = u.id"},
	{query: "SELECT t.id, u.id AS uid, t.k, u.k AS uk FROM t FULL OUTER JOIN u ON t.k = u.k AND t.g = u.g"},
	{query: "SELECT t.id, u.id AS uid FROM t FULL JOIN u ON t.id = u.id + 100"},
	{query: "SELECT t.id, v.id AS vid FROM t CROSS JOIN v WHERE t.id < 10"},
	{query: "SELECT t.id, u.id AS uid FROM t JOIN u ON t.x < u.x AND t.g = 3 AND u.g = 4"},
	{query: "SELECT * FROM t JOIN u ON t.id = u.id"},
	{query: "SELECT t.id, u.id, t.k, u.k FROM t JOIN u ON t.g = u.g AND t.x < u.x"}, // columns of one name, as Spark keeps them
	{query: "SELECT a.*, b.* FROM t a LEFT JOIN t b ON a.id = b.id + 7 WHERE a.id < 40"},
	{query: "SELECT t.*, u.g AS ug FROM t JOIN u ON t.id = u.id"},
	// USING, NATURAL
	{query: "SELECT k, t.id, u.id AS uid FROM t JOIN u USING (k)"},
	{query: "SELECT * FROM t LEFT JOIN u USING (id)"},
	{query: "SELECT * FROM t RIGHT JOIN u USING (id)"},
	{query: "SELECT * FROM t FULL JOIN u USING (id)"},
	{query: "SELECT id, t.k, u.k AS uk FROM t FULL OUTER JOIN u USING (id) WHERE t.k IS NULL OR u.k IS NULL"},
	{query: "SELECT * FROM t NATURAL JOIN u"},
	// comma joins, aliases, self-joins, three tables
	{query: "SELECT t.id, u.id AS uid FROM t, u WHERE t.id = u.id"},
	{query: "SELECT a.id, b.id AS bid FROM t a, u b WHERE a.k = b.k AND a.g = b.g AND a.x > 0"},
	{query: "SELECT o.id, c.s FROM t o JOIN u c ON o.k = c.k WHERE o.g = c.g"},
	{query: "SELECT a.id, b.id AS bid FROM t a JOIN t b ON a.id = b.id + 1 WHERE a.g = b.g"},
	{query: "SELECT a.id, b.id AS bid, a.k FROM t AS a JOIN t AS b ON a.k = b.k AND a.id < b.id WHERE a.id < 20 AND b.id < 20"},
	{query: "SELECT t.id, u.id AS uid, v.id AS vid FROM t JOIN u ON t.k = u.k JOIN v ON v.g = u.g WHERE t.id < 40"},
	{query: "SELECT t.id, u.id AS uid, v.id AS vid FROM t, u, v WHERE t.id = u.id - 100 AND u.g = v.g"},
	{query: "SELECT t.id, u.id AS uid, v.id AS vid FROM t LEFT JOIN (u JOIN v ON u.g = v.g) ON t.id = u.id"},
	// semi and anti joins
	{query: "SELECT id, k FROM t LEFT SEMI JOIN u ON t.k = u.k AND t.g = u.g", duck: "SELECT id, k FROM t WHERE EXISTS (SELECT 1 FROM u WHERE t.k = u.k AND t.g = u.g)"},
	{query: "SELECT id FROM t LEFT ANTI JOIN u ON t.g = u.g", duck: "SELECT id FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE t.g = u.g)"},
	{query: "SELECT * FROM t SEMI JOIN u USING (id)", duck: "SELECT * FROM t WHERE id IN (SELECT id FROM u)"},
	{query: "SELECT t.id FROM t ANTI JOIN u ON t.x > u.x + 200", duck: "SELECT t.id FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE t.x > u.x + 200)"},
	// joins with aggregates, windows, CTEs, ORDER BY
	{query: "SELECT t.k, count(*), sum(u.x) FROM t JOIN u ON t.g = u.g GROUP BY t.k"},
	{query: "SELECT u.k, count(t.id) AS n FROM t RIGHT JOIN u ON t.id = u.id GROUP BY u.k HAVING count(*) > 2"},
	{query: "SELECT t.id, u.id AS uid, row_number() OVER (PARTITION BY t.k ORDER BY u.id, t.id) AS rn FROM t JOIN u ON t.g = u.g WHERE t.id < 30"},
	{query: "WITH big AS (SELECT id, k, g FROM u WHERE g > 4) SELECT t.id, big.id AS bid FROM t JOIN big ON t.k = big.k AND t.g = big.g"},
	{query: "WITH c AS (SELECT k, count(*) AS n FROM u GROUP BY k) SELECT t.id, c.n FROM t LEFT JOIN c ON t.k = c.k"},
	{query: "SELECT t.id, u.id AS uid FROM t JOIN u ON t.g = u.g ORDER BY t.id, u.id LIMIT 15"},
	// IN and NOT IN (subquery): NULLs on either side, empty subqueries
	{query: "SELECT id FROM t WHERE g IN (SELECT g FROM u WHERE k = 'b')"},
	{query: "SELECT id, k FROM t WHERE k IN (SELECT k FROM u)"},
	{query: "SELECT id FROM t WHERE g NOT IN (SELECT g FROM u)"}, // u.g holds NULLs: no row
	{query: "SELECT id FROM t WHERE g NOT IN (SELECT g FROM u WHERE g IS NOT NULL)"},
	{query: "SELECT id, g FROM t WHERE g NOT IN (SELECT g FROM u WHERE id < 0)"}, // empty: every row, NULL g too
	{query: "SELECT id FROM t WHERE k NOT IN (SELECT k FROM u WHERE k IS NOT NULL AND g > 2) AND x > 0"},
	{query: "SELECT id FROM t WHERE g IN (SELECT u.g FROM u WHERE u.k = t.k)"},
	{query: "SELECT id FROM t WHERE g NOT IN (SELECT u.g FROM u WHERE u.k = t.k AND u.id < 150)"},
	{query: "WITH s AS (SELECT k FROM u WHERE g > 5) SELECT id FROM t WHERE k IN (SELECT k FROM s)"},
	{query: "SELECT t.id, v.id AS vid FROM t JOIN v ON t.g = v.g WHERE t.k NOT IN (SELECT k FROM u WHERE k IS NOT NULL)"},
	// IN and EXISTS as values: in OR, under NOT, in the select list
	{query: "SELECT id FROM t WHERE g > 8 OR k IN (SELECT k FROM u WHERE g = 1)"},
	{query: "SELECT id, g IN (SELECT g FROM u WHERE k = 'b') AS f FROM t"},
	{query: "SELECT id, g NOT IN (SELECT g FROM u) AS f, k IN (SELECT k FROM v WHERE k IS NOT NULL) AS h FROM t"},
	{query: "SELECT id, EXISTS (SELECT 1 FROM u WHERE g > 8) AS e, NOT EXISTS (SELECT 1 FROM u WHERE g > 100) AS ne FROM t WHERE id < 10"},
	{query: "SELECT id FROM t WHERE NOT (g IN (SELECT g FROM v) AND k = 'a')"},
	// EXISTS and NOT EXISTS, correlated and not
	{query: "SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.k = t.k AND u.g > t.g)"},
	{query: "SELECT id FROM t WHERE NOT EXISTS (SELECT * FROM u WHERE u.g = t.g)"},
	{query: "SELECT id FROM t WHERE EXISTS (SELECT 1 FROM u WHERE k = t.k AND id > t.id + 100)"},
	{query: "SELECT count(*) FROM t WHERE EXISTS (SELECT 1 FROM u WHERE g > 100)"},
	{query: "SELECT count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE g > 100)"},
	{query: "SELECT k, count(*) FROM t WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.k = t.k AND u.x < t.x) GROUP BY k"},
	// INTERSECT, EXCEPT (NULLs equal, duplicates removed)
	{query: "SELECT k, g FROM t INTERSECT SELECT k, g FROM u"},
	{query: "SELECT k, g FROM t EXCEPT SELECT k, g FROM u"},
	{query: "SELECT g FROM u EXCEPT SELECT g FROM t WHERE k = 'a' ORDER BY 1 NULLS FIRST"},
	{query: "SELECT id FROM t WHERE id IN (SELECT g * 10 FROM u)"}, // int64 against int32
	// LATERAL VIEW
	{query: "SELECT id, w FROM t LATERAL VIEW explode(split(s, ' ')) e AS w", duck: "SELECT id, unnest(string_split(s, ' ')) AS w FROM t"},
	{query: "SELECT id, e.p, e.c FROM t LATERAL VIEW posexplode(split(s, 'p')) e AS p, c", duck: "SELECT id, generate_subscripts(string_split(s, 'p'), 1) - 1 AS p, unnest(string_split(s, 'p')) AS c FROM t"},
	{query: "SELECT id, w FROM t LATERAL VIEW OUTER explode(split(s, ' ')) e AS w", duck: "SELECT id, unnest(CASE WHEN s IS NULL THEN [NULL] ELSE string_split(s, ' ') END) AS w FROM t"},
	{query: "SELECT w, count(*) FROM t LATERAL VIEW explode(split(s, ' ')) e AS w WHERE id > 20 GROUP BY w", duck: "SELECT w, count(*) FROM (SELECT unnest(string_split(s, ' ')) AS w FROM t WHERE id > 20) e GROUP BY w"},
	{query: "SELECT t.id, w FROM t JOIN v ON t.g = v.g LATERAL VIEW explode(array(t.id, v.id)) e AS w", duck: "SELECT t.id, unnest([t.id, v.id]) AS w FROM t JOIN v ON t.g = v.g"},
	{query: "SELECT id, col FROM t LATERAL VIEW explode(array(g, g + 1)) e WHERE id < 20", duck: "SELECT id, unnest([g, g + 1]) AS col FROM t WHERE id < 20"},
	// OFFSET
	{query: "SELECT id, g FROM t ORDER BY g DESC, id LIMIT 10 OFFSET 5"},
	{query: "SELECT id FROM t ORDER BY id OFFSET 140", duck: "SELECT id FROM t ORDER BY id OFFSET 140"},
	{query: "SELECT k, count(*) AS n FROM t GROUP BY k ORDER BY n DESC, k LIMIT 2 OFFSET 1"},
	{query: "SELECT t.id, u.id AS uid FROM t JOIN u ON t.k = u.k ORDER BY t.id, u.id LIMIT 7 OFFSET 30"},
	{query: "SELECT id FROM t ORDER BY id LIMIT 5 OFFSET 1000"},
	// scalar subqueries
	{query: "SELECT id FROM t WHERE x > (SELECT avg(x) FROM u)"},
	{query: "SELECT id, (SELECT max(g) FROM u) AS mg FROM t"},
	{query: "SELECT k, count(*) * 100 / (SELECT count(*) FROM t) AS pct FROM t GROUP BY k"},
	{query: "SELECT k FROM t GROUP BY k HAVING count(*) > (SELECT count(*) FROM u) / 4"},
	{query: "SELECT id FROM t WHERE x < (SELECT avg(u.x) FROM u WHERE u.k = t.k)"},
	{query: "SELECT id, (SELECT count(*) FROM u WHERE u.g = t.g) AS n FROM t"},
	{query: "SELECT id, (SELECT sum(u.x) FROM u WHERE u.g = t.g AND u.k = t.k AND u.id > 130) AS sx FROM t WHERE id < 60"},
}

// TestSQLJoinsAgainstDuckDB runs sqlJoinCorpus in ember and DuckDB.
func TestSQLJoinsAgainstDuckDB(t *testing.T) {
	if len(sqlJoinCorpus) < 40 {
		t.Fatalf("the join corpus has %d queries; keep at least 40", len(sqlJoinCorpus))
	}
	queries := make([]string, len(sqlJoinCorpus))
	ducks := make([]string, len(sqlJoinCorpus))
	for i, q := range sqlJoinCorpus {
		queries[i], ducks[i] = q.query, q.duck
	}
	runSQLDifferential(t, joinTables(), queries, ducks)
}

// joinTables are the tables of the join corpus and the random queries.
func joinTables() []sqlTable {
	return []sqlTable{genSQLTable("t", 1, 150, 7), genSQLTable("u", 120, 60, 8), genSQLTable("v", 1, 20, 9)}
}
