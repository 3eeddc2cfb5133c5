package sql

// TPCHQueries exposes the TPC-H queries of tpch_test.go to the external
// tests (tpch_duckdb_test.go): name → query.
func TPCHQueries() map[string]string {
	out := map[string]string{}
	for name, q := range tpchSQL {
		out[name] = q.query
	}
	return out
}
