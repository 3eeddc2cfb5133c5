#!/usr/bin/env bash
# Builds versitygw (v1.8.0, Apache-2.0), a real S3-compatible server, into
# third_party/versitygw/versitygw for the storage/cloud tests. Idempotent.
# A cold build takes about 4.5 CPU-minutes.
set -euo pipefail
exec bash "$(dirname "$0")/install-go-binary.sh" versitygw github.com/versity/versitygw v1.8.0 github.com/versity/versitygw/cmd/versitygw
