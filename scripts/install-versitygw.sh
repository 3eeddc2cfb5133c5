#!/usr/bin/env bash
# Builds versitygw (v1.8.0, Apache-2.0), a real S3-compatible server, into
# third_party/versitygw/versitygw for the storage/cloud tests. Idempotent.
# The Go module proxy serves it; it is built from a throwaway module that
# requires it, so its dependencies never enter ember's go.mod or go.sum.
# A cold build takes about 4.5 CPU-minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v1.8.0
dest=third_party/versitygw
bin="$dest/versitygw"
if [ -x "$bin" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
	exit 0
fi
if ! command -v go >/dev/null 2>&1; then
	echo "install-versitygw: Go is needed to build versitygw" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-versitygw: building github.com/versity/versitygw@$version"
mkdir -p "$dest"
out=$(cd "$dest" && pwd)
(
	cd "$tmp"
	go mod init versitygw-build >/dev/null 2>&1
	GOFLAGS=-mod=mod go get "github.com/versity/versitygw@$version" >/dev/null
	GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$out/versitygw.tmp" github.com/versity/versitygw/cmd/versitygw
)
mv "$dest/versitygw.tmp" "$bin"
echo "$version" > "$dest/VERSION"
echo "install-versitygw: installed $bin"
