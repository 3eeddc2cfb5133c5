package sql

import (
	"errors"
	"testing"
)

// FuzzPlan translates arbitrary statements over testCatalog: the bridge's
// rewrites (NULLS FIRST/LAST, CAST types, SEMI/ANTI JOIN, OFFSET, LATERAL
// VIEW) and the translator must not panic, and every failure is an
// *Error with a place inside the statement (or none).
func FuzzPlan(f *testing.F) {
	for _, q := range []string{
		"SELECT t.id, u.id AS uid FROM t JOIN u ON t.id = u.id",
		"SELECT * FROM t a LEFT SEMI JOIN t b ON a.g = b.g AND a.k = b.k WHERE a.id > 1",
		"SELECT * FROM t ANTI JOIN u USING (id) JOIN u v",
		"SELECT id FROM t WHERE g NOT IN (SELECT g FROM t WHERE k = 'a') AND EXISTS (SELECT 1 FROM u WHERE u.id = t.id)",
		"SELECT id, (SELECT max(g) FROM t b WHERE b.k = t.k) FROM t ORDER BY id LIMIT 3 OFFSET 2",
		"SELECT id, w FROM t LATERAL VIEW OUTER posexplode(split(k, ' ')) e AS p, w OFFSET 1",
		"SELECT CAST(g AS bigint), k FROM t ORDER BY g DESC NULLS FIRST",
		"SELECT k FROM t INTERSECT SELECT k FROM t EXCEPT SELECT 'a'",
		"SELECT id, g IN (SELECT g FROM t) OR EXISTS (SELECT 1 FROM u) FROM t",
	} {
		f.Add(q)
	}
	cat := testCatalog(f)
	f.Fuzz(func(t *testing.T, query string) {
		_, err := Plan(cat, query)
		if err == nil {
			return
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("%q: %v is not an *Error", query, err)
		}
		if e.Line < 0 || e.Column < 0 {
			t.Fatalf("%q: %v at %d:%d", query, err, e.Line, e.Column)
		}
	})
}
