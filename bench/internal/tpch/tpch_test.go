package tpch_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/bench/internal/tpch"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/duckdbtest"
)

// TestQueriesMatchDuckDB runs the eight queries at a tiny scale factor
// with ember's DataFrame API and with DuckDB over the same Parquet files,
// and compares the answers row by row (every query sorts its output).
func TestQueriesMatchDuckDB(t *testing.T) {
	dir := t.TempDir()
	if _, err := tpch.Generate(dir, 0.01, 1, 0); err != nil {
		t.Fatal(err)
	}
	stmts := make([]string, len(tpch.Queries))
	for i, q := range tpch.Queries {
		stmts[i] = q.SQL(dir)
	}
	want := duckdbtest.Query(t, stmts...)

	for i, q := range tpch.Queries {
		t.Run(q.Name, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
			defer sess.Close()
			tbl, err := q.Frame(sess, dir).Collect(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			got, err := tpch.FromTable(tbl)
			tbl.Release()
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Rows) == 0 {
				t.Fatalf("no rows: the generated data should give every query an answer")
			}
			if err := tpch.Compare(got, duckAnswer(want[i])); err != nil {
				t.Errorf("ember vs DuckDB: %v", err)
			}
		})
	}
}

// duckAnswer renders DuckDB's JSON rows as an Answer.
func duckAnswer(r duckdbtest.Result) tpch.Answer {
	a := tpch.Answer{Columns: r.Columns}
	for _, row := range r.Rows {
		cells := make([]*string, len(row))
		for i, v := range row {
			if v != nil {
				s := fmt.Sprint(v)
				cells[i] = &s
			}
		}
		a.Rows = append(a.Rows, cells)
	}
	return a
}
