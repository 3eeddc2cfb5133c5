#!/usr/bin/env bash
# Installs what examples/notebooks needs to run its Jupyter notebooks
# headless: Jupyter and nbconvert from Debian, GoNB v0.10.6 (the Go kernel)
# and goimports, which GoNB runs on every cell, both built from the Go module
# proxy into third_party/ (scripts/install-go-binary.sh), and the kernel
# registered for this user (~/.local/share/jupyter/kernels/gonb, or under
# $JUPYTER_DATA_DIR). Idempotent. About 2 minutes cold.
#
# GoNB looks goimports up on PATH when a cell runs: put
# third_party/goimports on PATH before starting Jupyter (the notebook test
# does it for its own runs).
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for pkg in jupyter-notebook jupyter-nbconvert jupyter-client python3-nbconvert python3-nbclient python3-ipykernel; do
	dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo="sudo"
	echo "install-gonb: installing ${missing[*]}"
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# `go install …@v0.10.6` fails (the proxy will not list GoNB's versions);
# install-go-binary.sh asks for the exact version from a throwaway module.
bash scripts/install-go-binary.sh gonb github.com/janpfeifer/gonb v0.10.6 github.com/janpfeifer/gonb
bash scripts/install-go-binary.sh goimports golang.org/x/tools v0.52.0 golang.org/x/tools/cmd/goimports

gonb="$(pwd)/third_party/gonb/gonb"
kernel="${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter}/kernels/gonb/kernel.json"
if ! grep -qF "\"$gonb\"" "$kernel" 2>/dev/null; then
	# --force_deps: gopls (completion only) is not installed, and goimports
	# is not on PATH here.
	"$gonb" --install --force_deps --logtostderr=false >/dev/null
	echo "install-gonb: registered the Go (gonb) kernel in $kernel"
fi
