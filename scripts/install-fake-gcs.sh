#!/usr/bin/env bash
# Builds fake-gcs-server (v1.52.2, BSD-2-Clause), a fake of the Google Cloud
# Storage JSON API (not Google's service), into
# third_party/fake-gcs-server/fake-gcs-server for the storage/cloud gs://
# tests. Idempotent. The proxy serves it by exact version only.
set -euo pipefail
exec bash "$(dirname "$0")/install-go-binary.sh" fake-gcs-server github.com/fsouza/fake-gcs-server v1.52.2 github.com/fsouza/fake-gcs-server
