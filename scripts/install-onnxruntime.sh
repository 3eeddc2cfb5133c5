#!/usr/bin/env bash
# Installs the official ONNX Runtime shared library (1.24.3) into
# third_party/onnxruntime/lib, from Microsoft's npm package
# onnxruntime-node, which ships the Linux library for x64 and arm64
# (Debian has no onnxruntime package). Idempotent. `npm pack` only downloads
# the tarball: none of the package's install scripts run.
set -euo pipefail
cd "$(dirname "$0")/.."

version=1.24.3
dest=third_party/onnxruntime/lib
lib="$dest/libonnxruntime.so.1"
if [ -f "$lib" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$version" ]; then
	exit 0
fi
case "$(uname -m)" in
	x86_64) arch=x64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) echo "install-onnxruntime: no ONNX Runtime build for $(uname -m) in onnxruntime-node" >&2; exit 1 ;;
esac
if ! command -v npm >/dev/null 2>&1; then
	echo "install-onnxruntime: npm is needed to fetch onnxruntime-node (apt-get install npm)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "install-onnxruntime: fetching onnxruntime-node@$version"
(cd "$tmp" && npm pack "onnxruntime-node@$version" --silent >/dev/null)
tar -xzf "$tmp/onnxruntime-node-$version.tgz" -C "$tmp" "package/bin/napi-v6/linux/$arch/libonnxruntime.so.1"
mkdir -p "$dest"
cp "$tmp/package/bin/napi-v6/linux/$arch/libonnxruntime.so.1" "$lib.tmp"
mv "$lib.tmp" "$lib"
echo "$version" > "$dest/VERSION"
echo "install-onnxruntime: installed $lib"
