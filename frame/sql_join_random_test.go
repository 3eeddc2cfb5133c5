package frame_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// randomJoinQuery builds a random query over joinTables: two or three
// tables joined by a random kind (inner, left, right, full, cross with
// the condition in WHERE, semi, anti) on keys of every type (skewed
// strings, integers with NULLs, an expression), with random filters,
// IN / NOT IN / EXISTS subqueries (IN under OR too) and either plain columns or a grouped
// aggregate. It returns ember's spelling and DuckDB's (semi and anti
// joins become EXISTS / NOT EXISTS there).
func randomJoinQuery(r *rand.Rand) (ember, duck string) {
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	keys := [][2]string{{"a.k", "b.k"}, {"a.g", "b.g"}, {"a.id", "b.id"}, {"a.g", "b.g + 1"}, {"a.id", "b.id - 100"}}
	key := keys[r.IntN(len(keys))]
	on := key[0] + " = " + key[1]
	if r.IntN(3) == 0 {
		on += pick(" AND a.g = b.g", " AND a.x < b.x", " AND b.g > 2", " AND a.k = b.k")
	}
	filter := func(t string) string {
		return pick(t+".g > "+strconv.Itoa(r.IntN(10)), t+".k = '"+pick("a", "b", "c")+"'", t+".x IS NULL", t+".s LIKE '%a%'",
			t+".g IS NOT NULL AND "+t+".x > 0", t+".k IN ('a', 'd')", "NOT ("+t+".g < 5)")
	}
	var where []string
	if r.IntN(2) == 0 {
		where = append(where, filter("a"))
	}
	kind := pick("JOIN", "LEFT JOIN", "RIGHT JOIN", "FULL JOIN", "comma", "SEMI", "ANTI")
	second := pick("u", "t", "v")
	var from, duckFrom, duckExists string
	leftOnly := false
	switch kind {
	case "comma":
		from = "t a, " + second + " b"
		where = append(where, on)
	case "SEMI", "ANTI":
		leftOnly = true
		from = "t a LEFT " + kind + " JOIN " + second + " b ON " + on
		not := ""
		if kind == "ANTI" {
			not = "NOT "
		}
		duckFrom = "t a"
		duckExists = not + "EXISTS (SELECT 1 FROM " + second + " b WHERE " + on + ")"
	default:
		from = "t a " + kind + " " + second + " b ON " + on
		if r.IntN(2) == 0 {
			where = append(where, filter("b"))
		}
	}
	third := !leftOnly && r.IntN(3) == 0
	if third {
		outer := pick("a.g", "b.g")
		if kind == "comma" {
			outer = "b.g" // the comma binds last: a is not in scope
		}
		from += " " + pick("JOIN", "LEFT JOIN") + " v c ON c.g = " + outer
	}
	switch r.IntN(7) {
	case 0:
		where = append(where, "a.g IN (SELECT g FROM u WHERE "+filter("u")+")")
	case 1:
		where = append(where, "a.k NOT IN (SELECT k FROM v WHERE "+filter("v")+")")
	case 2:
		where = append(where, pick("", "NOT ")+"EXISTS (SELECT 1 FROM u WHERE u.k = a.k AND "+filter("u")+")")
	case 3:
		where = append(where, "(a.g > 7 OR a.g "+pick("", "NOT ")+"IN (SELECT g FROM v WHERE "+filter("v")+"))")
	}
	var sel, group string
	cols := []string{"a.id", "a.k", "a.g", "a.x"}
	if !leftOnly {
		cols = append(cols, "b.id AS bid", "b.s AS bs", "b.g AS bg")
	}
	if third {
		cols = append(cols, "c.id AS cid")
	}
	if r.IntN(3) == 0 {
		gk := pick("a.k", "a.g")
		if !leftOnly && r.IntN(2) == 0 {
			gk = pick("b.k", "b.g")
		}
		sel = gk + " AS gk, count(*) AS n, sum(a.x) AS sx, max(a.id) AS mx"
		group = " GROUP BY " + gk
	} else {
		r.Shuffle(len(cols), func(i, j int) { cols[i], cols[j] = cols[j], cols[i] })
		sel = strings.Join(cols[:2+r.IntN(len(cols)-1)], ", ")
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	ember = "SELECT " + sel + " FROM " + from + w + group
	if duckFrom != "" {
		w = " WHERE " + strings.Join(append(where, duckExists), " AND ")
		duck = "SELECT " + sel + " FROM " + duckFrom + w + group
	}
	return ember, duck
}

// TestSQLRandomJoinsAgainstDuckDB runs 60 random join queries (seed 15,
// or EMBER_SQL_RANDOM_SEED) in ember and DuckDB and compares their rows.
func TestSQLRandomJoinsAgainstDuckDB(t *testing.T) {
	seed := uint64(15)
	if s := os.Getenv("EMBER_SQL_RANDOM_SEED"); s != "" {
		v, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("EMBER_SQL_RANDOM_SEED: %v", err)
		}
		seed = v
	}
	r := rand.New(rand.NewPCG(seed, 2))
	var queries, ducks []string
	for range 60 {
		q, d := randomJoinQuery(r)
		queries, ducks = append(queries, q), append(ducks, d)
	}
	t.Logf("seed %d", seed)
	runSQLDifferential(t, joinTables(), queries, ducks)
}
