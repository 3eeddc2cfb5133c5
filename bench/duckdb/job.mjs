// DuckDB contender of the side-by-side benchmark driven by bench/cmd/compare.
//
// It performs the benchmark job in one SQL statement with DuckDB (via the
// @duckdb/node-api package pinned in package.json):
//
//   read CSV (header, types sniffed) → keep rows with petal_length > 2 →
//   add petal_area = petal_length * petal_width → write CSV with header
//
// Usage:
//
//   node bench/duckdb/job.mjs <input.csv> <output-dir>
//
// The result is written to <output-dir>/part-0.csv (the directory is created
// if needed). DuckDB runs in memory with two worker threads. Errors go to
// stderr and yield a non-zero exit status, which the harness reports as a
// failed run. Run bench/setup.sh first to install node_modules.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { runMain, sqlString, withDuckDB } from './common.mjs';

async function main(argv) {
  if (argv.length !== 2) {
    console.error('usage: node job.mjs <input.csv> <output-dir>');
    return 2;
  }
  const [input, outDir] = argv;
  mkdirSync(outDir, { recursive: true });
  const output = join(outDir, 'part-0.csv');

  await withDuckDB((conn) =>
    conn.run(
      `COPY (SELECT *, petal_length*petal_width AS petal_area ` +
        `FROM read_csv(${sqlString(input)}, header=true) ` +
        `WHERE petal_length > 2) ` +
        `TO ${sqlString(output)} (HEADER)`,
    ),
  );
  return 0;
}

await runMain('duckdb-job', main);
