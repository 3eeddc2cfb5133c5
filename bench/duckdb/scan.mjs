// DuckDB contender of the Parquet scan benchmark driven by
// bench/cmd/parquet-compare.
//
// It scans a Parquet file with one SQL statement in DuckDB (via the
// @duckdb/node-api package pinned in package.json), keeping the rows with
// c0 > threshold and consuming every value of the given columns:
//
//   SELECT count(*), sum(c0), sum(strlen(c2)), …
//   FROM read_parquet(<input>) WHERE c0 > <threshold>
//
// sum() over int64 and float64 columns, sum(strlen()) (bytes) over string
// columns; NULLs are skipped, as sum() does.
//
// Usage:
//
//   node bench/duckdb/scan.mjs <input.parquet> <threshold> <column:kind> ...
//   node bench/duckdb/scan.mjs --startup
//
// kind is int64, float64 or string. It prints "rows <n>" and one
// "<column> <sum>" line per column to stdout (the format of
// bench/cmd/ember-scan). With --startup it sets DuckDB up the same way but
// runs SELECT 1 instead and prints "startup ok": the fixed cost (Node.js,
// loading DuckDB) inside every scan's figure. DuckDB runs in memory with
// two worker threads. Errors go to stderr and yield a non-zero exit status.
// Run bench/setup.sh first to install node_modules.

import { runMain, sqlString, withDuckDB } from './common.mjs';

/** Quotes s as a SQL identifier. */
function sqlIdent(s) {
  return `"${s.replaceAll('"', '""')}"`;
}

/** Returns the SELECT statement that scans input. */
function scanSQL(input, threshold, columns) {
  const sums = columns.map(({ name, kind }) => {
    const col = sqlIdent(name);
    return kind === 'string' ? `sum(strlen(${col}))` : `sum(${col})`;
  });
  return (
    `SELECT count(*)${sums.map((s) => ', ' + s).join('')} ` +
    `FROM read_parquet(${sqlString(input)}) WHERE c0 > ${threshold}`
  );
}

async function main(argv) {
  if (argv.length === 1 && argv[0] === '--startup') {
    await withDuckDB((conn) => conn.runAndReadAll('SELECT 1'));
    process.stdout.write('startup ok\n');
    return 0;
  }
  if (argv.length < 3) {
    console.error('usage: node scan.mjs <input.parquet> <threshold> <column:kind> ... | --startup');
    return 2;
  }
  const [input, thresholdArg, ...specs] = argv;
  const threshold = BigInt(thresholdArg); // rejects anything but an integer
  const columns = specs.map((spec) => {
    const [name, kind] = spec.split(':');
    if (!['int64', 'float64', 'string'].includes(kind)) {
      throw new Error(`column ${spec}: want <name>:<int64|float64|string>`);
    }
    return { name, kind };
  });

  const reader = await withDuckDB((conn) => conn.runAndReadAll(scanSQL(input, threshold, columns)));
  const [row] = reader.getRows();
  // A sum over no rows is NULL (printed "null"); the harness reports it.
  const lines = [`rows ${row[0]}`, ...columns.map(({ name }, i) => `${name} ${row[i + 1]}`)];
  process.stdout.write(lines.join('\n') + '\n');
  return 0;
}

await runMain('duckdb-scan', main);
