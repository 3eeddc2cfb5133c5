#!/usr/bin/env bash
# Sets up and runs ember's whole test suite, as CI does (.ci/run).
# With CI=true, tests that need ../shared or a native dependency fail
# instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

# modules lists the root module and every nested one (their own go.mod):
# `go test ./...` at the root does not enter them, so each is vetted and
# tested by name.
modules=(. $(find . -mindepth 2 -name go.mod -not -path './third_party/*' -not -path '*/node_modules/*' -printf '%h\n' | sort))

echo "== gofmt"
unformatted=$(for m in "${modules[@]}"; do (cd "$m" && gofmt -l $(go list -f '{{.Dir}}' ./...)); done)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
echo "== go vet"
for m in "${modules[@]}"; do (cd "$m" && go vet ./...); done
# A nested module must also build on its own, outside go.work (a user's
# go get): its go.mod and go.sum must list what it and the core need.
echo "== modules outside the workspace"
for m in "${modules[@]:1}"; do (cd "$m" && GOWORK=off go list -deps -test ./... >/dev/null); done
echo "== examples"
go run ./examples/iris -out "$(mktemp -d)/summary" >/dev/null
# Counted runs, not timed ones: a timed run can end inside a slow input and
# report "context deadline exceeded" as a failure.
echo "== fuzz (short runs; every target's seed corpus also runs with the tests)"
go test -run='^$' -fuzz='^FuzzReader$' -fuzztime=4000x ./io/csvio
go test -run='^$' -fuzz='^FuzzReader$' -fuzztime=3000x ./io/jsonio
go test -run='^$' -fuzz='^FuzzReader$' -fuzztime=3000x ./io/ipcio
go test -run='^$' -fuzz='^FuzzFooter$' -fuzztime=1000x ./io/parquetio
go test -run='^$' -fuzz='^FuzzExifOrientation$' -fuzztime=3000x ./io/imageio
go test -run='^$' -fuzz='^FuzzDecode$' -fuzztime=2000x ./io/imageio
go test -run='^$' -fuzz='^FuzzReadBatch$' -fuzztime=3000x ./plugins/internal/wire
go test -run='^$' -fuzz='^FuzzCodecReader$' -fuzztime=3000x ./storage
go test -run='^$' -fuzz='^FuzzDecodeSchema$' -fuzztime=3000x ./plan
echo "== race"
# The race run also builds with ember_poison: sessions and jobs then
# allocate from arrowmem.PoisonAllocator, which poisons freed buffers, so
# a read of Arrow data after its release (which the default pool would
# hand to another batch) fails a test instead of passing by luck.
go test -count=1 -short -race -tags ember_poison ./exec/... ./frame ./io/... ./udf/... ./gotaconv ./plugins/... ./storage/... ./internal/... ./monitor/...
(cd storage/cloud && go test -count=1 -short -race ./...)
echo "== tests"
for m in "${modules[@]}"; do
	echo "-- module $m"
	# 30m: examples/notebooks builds and runs every notebook cell (minutes
	# on two cores), past go test's default of 10 minutes per package.
	(cd "$m" && go test -count=1 -timeout 30m ./...)
done
