#!/usr/bin/env bash
# Sets up and runs ember's demo on data embedded in the repository.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
go run ./examples/iris "$@"
