// Package duckdbtest runs DuckDB, the reference reader that tests compare
// ember's readers with, and finds the npm packages installed beside it
// (csv-spectrum). Only tests import it.
//
// DuckDB runs in node through @duckdb/node-api, which bench/setup.sh
// installs from bench/duckdb/package-lock.json into
// bench/duckdb/node_modules ($EMBER_DUCKDB_DIR names another directory
// holding such a node_modules). Without node or the package a test
// skips, and fails when CI=true: CI has them installed, and a silent skip
// there would hide a regression.
package duckdbtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// script runs the SQL statements given as a JSON array on stdin in one
// in-memory DuckDB session and prints, as one JSON array, each
// statement's column names, column types and rows as arrays (BIGINTs and
// DECIMALs as strings), or its error; an error does not stop the
// statements after it.
const script = `
import { DuckDBInstance } from '@duckdb/node-api';
import { readFileSync } from 'node:fs';
const stmts = JSON.parse(readFileSync(0, 'utf8'));
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
try {
  await conn.run('SET threads=2');
  const out = [];
  for (const sql of stmts) {
    try {
      const r = await conn.runAndReadAll(sql);
      out.push({ columns: r.columnNames(), types: r.columnTypes().map(String), rows: r.getRowsJson() });
    } catch (e) {
      out.push({ error: String(e && e.message || e) });
    }
  }
  process.stdout.write(JSON.stringify(out));
} finally {
  conn.closeSync();
  instance.closeSync();
}
`

// Result is what one statement gave.
type Result struct {
	Columns []string `json:"columns"`
	Types   []string `json:"types"`
	// Rows hold the values as DuckDB's JSON renders them: VARCHARs as
	// strings, BIGINTs and DECIMALs as strings (json.Number for the
	// numbers JSON holds), NULL as nil.
	Rows [][]any `json:"rows"`
	// Error is the statement's error message; empty when it ran.
	Error string `json:"error"`
}

// Objects returns the rows as maps from column name to value.
func (r Result) Objects() []map[string]any {
	out := make([]map[string]any, len(r.Rows))
	for i, row := range r.Rows {
		m := make(map[string]any, len(row))
		for k, v := range row {
			m[r.Columns[k]] = v
		}
		out[i] = m
	}
	return out
}

// Unavailable skips t for a missing tool, or fails it when CI=true.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s (CI=true: the reference tools must be installed)", msg)
	}
	t.Skip(msg)
}

// Dir returns the directory whose node_modules holds @duckdb/node-api
// ($EMBER_DUCKDB_DIR, or bench/duckdb in the repository), or skips (fails
// in CI) when node or the package is missing.
func Dir(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		Unavailable(t, "DuckDB needs node (Node.js >= 20) on PATH: %v", err)
	}
	dir := os.Getenv("EMBER_DUCKDB_DIR")
	if dir == "" {
		_, file, _, _ := runtime.Caller(0)
		dir = filepath.Join(filepath.Dir(file), "..", "..", "bench", "duckdb")
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@duckdb", "node-api", "package.json")); err != nil {
		Unavailable(t, "DuckDB needs @duckdb/node-api in %s/node_modules: run bash bench/setup.sh (%v)", dir, err)
	}
	return dir
}

// Package returns the directory of the npm package name installed beside
// DuckDB (bench/duckdb/package.json lists it), or skips (fails in CI)
// when it is not installed.
func Package(t testing.TB, name string) string {
	t.Helper()
	dir := filepath.Join(Dir(t), "node_modules", filepath.FromSlash(name))
	if _, err := os.Stat(filepath.Join(dir, "package.json")); err != nil {
		Unavailable(t, "npm package %s is not installed in %s: run bash bench/setup.sh (%v)", name, filepath.Dir(dir), err)
	}
	return dir
}

// Run runs SQL statements in one DuckDB session and returns their
// results, a failed statement's with its Error set. It fails the test
// only when DuckDB cannot be run at all.
func Run(t testing.TB, stmts ...string) []Result {
	t.Helper()
	var out []Result
	if err := Node(Dir(t), script, stmts, &out); err != nil {
		t.Fatalf("%v\nSQL:\n%s", err, excerpt(strings.Join(stmts, ";\n")))
	}
	if len(out) != len(stmts) {
		t.Fatalf("duckdb: %d results for %d statements", len(out), len(stmts))
	}
	return out
}

// Node runs script, an ES module, with node in dir (Dir's, where
// @duckdb/node-api resolves), in encoded as JSON on its stdin, and
// decodes the JSON it prints into out, numbers as json.Number. The error
// is the process's failure, with its stderr, or the output's.
func Node(dir, script string, in, out any) error {
	stdin, err := json.Marshal(in)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "--input-type=module", "-e", script)
	cmd.Dir = dir // where the package resolves
	cmd.Stdin = bytes.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("duckdb: %v\n%s", err, excerpt(stderr.String()))
	}
	dec := json.NewDecoder(&stdout)
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("duckdb output: %v\n%s", err, excerpt(stdout.String()))
	}
	return nil
}

// Query is Run failing the test when a statement fails.
func Query(t testing.TB, stmts ...string) []Result {
	t.Helper()
	out := Run(t, stmts...)
	for i, r := range out {
		if r.Error != "" {
			t.Fatalf("duckdb: %s\nSQL: %s", r.Error, stmts[i])
		}
	}
	return out
}

// String quotes s as an SQL string literal.
func String(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

func excerpt(s string) string {
	if len(s) > 4000 {
		return s[:4000] + "…"
	}
	return s
}
