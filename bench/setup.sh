#!/usr/bin/env bash
# setup.sh installs the non-Go pieces of the side-by-side benchmark: the
# DuckDB contender's npm packages (exact versions from
# bench/duckdb/package-lock.json) into bench/duckdb/node_modules.
#
# Safe to run any number of times: when the installed packages already match
# the lockfile and load, it does nothing.
#
# Usage: bash bench/setup.sh
set -euo pipefail

dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/duckdb" && pwd)"
cd "$dir"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup.sh: '$tool' not found; install Node.js >= 20 to run the DuckDB contender" >&2
    exit 1
  fi
done

# loads reports whether @duckdb/node-api (and its native binding for this
# platform) loads, printing the DuckDB library version when it does.
loads() {
  node --input-type=module -e \
    "import { version } from '@duckdb/node-api'; console.log('DuckDB ' + version());" \
    2>/dev/null
}

# npm keeps a copy of the lockfile it installed from in
# node_modules/.package-lock.json; only reinstall when that is missing or
# stale, or when the package does not load.
installed_lock="node_modules/.package-lock.json"
if [[ -f "$installed_lock" && "$installed_lock" -nt package-lock.json ]] && loads >/dev/null; then
  echo "setup.sh: $dir/node_modules is up to date ($(loads))"
  exit 0
fi

echo "setup.sh: installing npm packages in $dir"
ci_log="$(mktemp)"
trap 'rm -f "$ci_log"' EXIT
if ! npm ci --no-audit --no-fund >"$ci_log" 2>&1 || ! loads >/dev/null; then
  # The committed lockfile may lack the platform-specific optional package
  # that carries DuckDB's native library for this platform (npm only records
  # the ones its registry could resolve when the lockfile was written), in
  # which case 'npm ci' refuses to run or installs no native library. Resolve
  # it for this platform without rewriting the committed lockfile.
  echo "setup.sh: 'npm ci' did not produce a loadable @duckdb/node-api; retrying with 'npm install --no-save'"
  if ! npm install --no-save --no-audit --no-fund; then
    echo "setup.sh: 'npm ci' output was:" >&2
    cat "$ci_log" >&2
    exit 1
  fi
else
  cat "$ci_log"
fi

if ! version="$(loads)"; then
  echo "setup.sh: @duckdb/node-api does not load after installing; see the npm output above" >&2
  exit 1
fi
echo "setup.sh: ready ($version)"
