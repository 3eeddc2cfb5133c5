#!/usr/bin/env bash
# Builds a Go program that the tests run as a real server, from the Go
# module proxy, into third_party/NAME/NAME. Idempotent: nothing happens
# when that binary exists and was built from VERSION. It is built in a
# throwaway module that requires MODULE@VERSION, so the program's
# dependencies never enter ember's go.mod or go.sum (the proxy serves some
# modules by exact version only, which is how they are asked for here).
#
#   bash scripts/install-go-binary.sh NAME MODULE VERSION PACKAGE
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ne 4 ]; then
	echo "usage: install-go-binary.sh NAME MODULE VERSION PACKAGE" >&2
	exit 2
fi
name=$1 module=$2 version=$3 package=$4

dest=third_party/$name
bin="$dest/$name"
if [ -x "$bin" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
	exit 0
fi
if ! command -v go >/dev/null 2>&1; then
	echo "install-$name: Go is needed to build $name" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-$name: building $module@$version"
mkdir -p "$dest"
out=$(cd "$dest" && pwd)
(
	cd "$tmp"
	go mod init "$name-build" >/dev/null 2>&1
	if ! log=$(GOFLAGS=-mod=mod go get "$module@$version" 2>&1); then
		echo "$log" >&2
		exit 1
	fi
	GOFLAGS=-mod=mod CGO_ENABLED=0 go build -trimpath -o "$out/$name.tmp" "$package"
)
mv "$dest/$name.tmp" "$bin"
echo "$version" > "$dest/VERSION"
echo "install-$name: installed $bin"
