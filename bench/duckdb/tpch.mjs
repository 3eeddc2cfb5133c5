// DuckDB contender of the TPC-H benchmark driven by bench/cmd/tpch.
//
// It runs one SQL statement (the query, over read_parquet of the
// generated tables) in an in-memory DuckDB with two worker threads and
// prints one JSON object to stdout: the column names, the rows as
// getRowsJson renders them (BIGINTs as strings, DATEs as YYYY-MM-DD,
// NULL as null) and "ms", the wall time of the statement alone, without
// starting Node.js and DuckDB.
//
// Usage:
//
//   node bench/duckdb/tpch.mjs <sql>
//
// Errors go to stderr with a non-zero exit status. Run bench/setup.sh
// first to install node_modules.

import { runMain, withDuckDB } from './common.mjs';

async function main(argv) {
  if (argv.length !== 1) {
    console.error('usage: node tpch.mjs <sql>');
    return 2;
  }
  const out = await withDuckDB(async (conn) => {
    const start = process.hrtime.bigint();
    const reader = await conn.runAndReadAll(argv[0]);
    const rows = reader.getRowsJson();
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return { columns: reader.columnNames(), rows, ms };
  });
  // Cells as text, as the Go side compares them.
  out.rows = out.rows.map((row) => row.map((v) => (v === null ? null : String(v))));
  process.stdout.write(JSON.stringify(out) + '\n');
  return 0;
}

await runMain('duckdb-tpch', main);
