#!/usr/bin/env bash
# setup.sh installs the non-Go pieces of the side-by-side benchmarks: the
# DuckDB contender's npm packages (exact versions from
# bench/duckdb/package-lock.json) into bench/duckdb/node_modules, and
# pandas and scikit-learn for Debian's /usr/bin/python3 (the pandas
# contender of predict-compare; Debian packages, as there is no PyPI here).
#
# Safe to run any number of times: when the installed packages already match
# the lockfile and load, and python3 imports pandas and sklearn, it does
# nothing.
#
# Usage: bash bench/setup.sh
set -euo pipefail

# setup_python makes /usr/bin/python3 import pandas and sklearn, installing
# python3-pandas and python3-sklearn with apt-get (through sudo when not
# root) only when it does not. Called in an `if`, where `set -e` is off, so
# every step checks its own status.
setup_python() {
  local py=/usr/bin/python3 sudo=""
  if [[ -x "$py" ]] && "$py" -c 'import pandas, sklearn' 2>/dev/null; then
    echo "setup.sh: $py has pandas and scikit-learn ($("$py" -c 'import pandas, sklearn; print("pandas", pandas.__version__ + ", scikit-learn", sklearn.__version__)'))"
    return 0
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup.sh: no apt-get: install pandas and scikit-learn for $py yourself" >&2
    return 1
  fi
  if [[ "$(id -u)" != 0 ]]; then
    if ! command -v sudo >/dev/null 2>&1; then
      echo "setup.sh: not root and no sudo: run 'apt-get install python3-pandas python3-sklearn' as root" >&2
      return 1
    fi
    sudo=sudo
  fi
  echo "setup.sh: installing python3-pandas and python3-sklearn with apt-get"
  local install=(env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends python3-pandas python3-sklearn)
  # Package lists are often absent in fresh images: update only then.
  if ! $sudo "${install[@]}"; then
    $sudo apt-get update -q || return 1
    $sudo "${install[@]}" || return 1
  fi
  "$py" -c 'import pandas, sklearn' || return 1
}
if ! setup_python; then
  echo "setup.sh: warning: pandas/scikit-learn unavailable; predict-compare will skip its pandas contender" >&2
fi

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
