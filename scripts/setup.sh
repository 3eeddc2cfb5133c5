#!/usr/bin/env bash
# Installs what ember needs on a fresh Debian machine with Go: idempotent,
# safe to run again.
#
#   bash scripts/setup.sh        what the library and the demo need: Go modules
#                                and ONNX Runtime (scripts/install-onnxruntime.sh,
#                                fetched with npm, which it installs if missing)
#   bash scripts/setup.sh test   also what the tests and benchmarks need: DuckDB
#                                (npm @duckdb/node-api), Debian's pandas and
#                                scikit-learn, the real tools they compare against,
#                                and versitygw, a real S3-compatible server
#                                (scripts/install-versitygw.sh, built from the Go
#                                module proxy), and Jupyter with the GoNB kernel
#                                for examples/notebooks (scripts/install-gonb.sh)
set -euo pipefail
cd "$(dirname "$0")/.."

need_go="1.26"
if ! command -v go >/dev/null 2>&1; then
	echo "setup: Go $need_go or newer is required (https://go.dev/dl/)" >&2
	exit 1
fi
have_go=$(go env GOVERSION | sed 's/^go//')
if [ "$(printf '%s\n%s\n' "$need_go" "$have_go" | sort -V | head -n1)" != "$need_go" ]; then
	echo "setup: Go $need_go or newer is required, found $have_go" >&2
	exit 1
fi
# Only the root module's dependencies: in workspace mode (go.work) a plain
# `go mod download` would fetch every module of every nested module's graph,
# some of which the proxy does not serve (and no build needs).
GOWORK=off go mod download

# apt_install installs Debian packages that are missing (as root, or with sudo).
apt_install() {
	local missing=()
	for pkg in "$@"; do
		dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	local sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "setup: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	apt_install nodejs npm
fi
bash scripts/install-onnxruntime.sh

[ "${1:-}" = "test" ] || exit 0

if ! /usr/bin/python3 -c 'import pandas' >/dev/null 2>&1; then
	apt_install python3-pandas
fi
bash bench/setup.sh
bash scripts/install-versitygw.sh
bash scripts/install-azurite.sh && bash scripts/install-fake-gcs.sh
bash scripts/install-gonb.sh

# Debian's Chromium, which the web UI's browser tests drive headless
# (frame/ui_test.go, through chromedp).
apt_install chromium chromium-driver
