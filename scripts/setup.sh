#!/usr/bin/env bash
# Installs what ember needs on a fresh Debian machine with Go: idempotent,
# safe to run again. Today that is the Go module graph; native runtimes
# (ONNX Runtime) join here when the code needs them.
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
go mod download
