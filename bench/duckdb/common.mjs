// Pieces shared by the DuckDB contenders of the side-by-side benchmarks
// (job.mjs for bench/cmd/compare, scan.mjs for bench/cmd/parquet-compare).

import { DuckDBInstance } from '@duckdb/node-api';

/** Quotes s as a SQL string literal. */
export function sqlString(s) {
  return `'${s.replaceAll("'", "''")}'`;
}

/**
 * Opens an in-memory DuckDB limited to two worker threads, calls fn with a
 * connection to it, closes both and returns what fn returned.
 */
export async function withDuckDB(fn) {
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  try {
    await conn.run('SET threads=2');
    return await fn(conn);
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/**
 * Runs main with the command-line arguments and makes its result the exit
 * status; an error goes to stderr, prefixed with name, with status 1.
 */
export async function runMain(name, main) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    console.error(`${name}:`, err?.message ?? err);
    process.exitCode = 1;
  }
}
