#!/usr/bin/env bash
# Builds fake-gcs-server (v1.52.2, BSD-2-Clause), a fake of the Google Cloud
# Storage JSON API (not Google's service), into
# third_party/fake-gcs-server/fake-gcs-server for the storage/cloud gs://
# tests. Idempotent. The Go module proxy serves it by exact version; it is
# built from a throwaway module that requires it, so its dependencies never
# enter ember's go.mod or go.sum.
set -euo pipefail
cd "$(dirname "$0")/.."

version=v1.52.2
dest=third_party/fake-gcs-server
bin="$dest/fake-gcs-server"
if [ -x "$bin" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
	exit 0
fi
if ! command -v go >/dev/null 2>&1; then
	echo "install-fake-gcs: Go is needed to build fake-gcs-server" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-fake-gcs: building github.com/fsouza/fake-gcs-server@$version"
mkdir -p "$dest"
out=$(cd "$dest" && pwd)
(
	cd "$tmp"
	go mod init fake-gcs-build >/dev/null 2>&1
	GOFLAGS=-mod=mod go get "github.com/fsouza/fake-gcs-server@$version" >/dev/null
	GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$out/fake-gcs-server.tmp" github.com/fsouza/fake-gcs-server
)
mv "$dest/fake-gcs-server.tmp" "$bin"
echo "$version" > "$dest/VERSION"
echo "install-fake-gcs: installed $bin"
