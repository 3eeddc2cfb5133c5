#!/usr/bin/env bash
# Installs Azurite (3.35.0, MIT), Microsoft's Azure Storage emulator, into
# third_party/azurite for the storage/cloud azblob:// tests, with `npm ci`
# from the package.json and package-lock.json committed in
# storage/cloud/azuritetest. Idempotent. Install scripts do not run (none
# is needed). 3.35.0 is the newest Azurite whose package accepts Debian
# 12's Node.js 18 (3.36 and later declare Node.js >= 21).
set -euo pipefail
cd "$(dirname "$0")/.."

src=storage/cloud/azuritetest
dest=third_party/azurite
bin="$dest/node_modules/.bin/azurite-blob"
stamp=$(cat "$src/package.json" "$src/package-lock.json" | sha256sum | cut -d' ' -f1)
if [ -x "$bin" ] && [ "$(cat "$dest/VERSION" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "install-azurite: npm is needed to install Azurite (apt-get install npm)" >&2
	exit 1
fi
echo "install-azurite: installing azurite from $src/package-lock.json"
rm -rf "$dest"
mkdir -p "$dest"
cp "$src/package.json" "$src/package-lock.json" "$dest/"
npm ci --prefix "$dest" --ignore-scripts --no-audit --no-fund --silent
echo "$stamp" > "$dest/VERSION"
echo "install-azurite: installed $bin"
