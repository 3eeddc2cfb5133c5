// Command ember-beam-worker is the worker binary for ember jobs on Beam
// job servers with PROCESS or EXTERNAL workers (cluster.WorkerBinary): the
// Go boot loader stages it to each worker and starts it with --worker.
// It registers ember's own sources and sinks (every io/… format), ONNX
// Runtime models (udf/onnx) and the object stores of storage/cloud (s3://,
// gs://, azblob://). A program whose plans use functions or models it
// registers itself builds its own worker the same way: import what
// registers them and call cluster.Init first in main.
//
//	go build -o ember-beam-worker github.com/ember-df/ember/cluster/cmd/ember-beam-worker
//
// Run without --worker, it prints what it is and exits 2.
package main

import (
	"fmt"
	"os"

	"github.com/ember-df/ember/cluster"
	_ "github.com/ember-df/ember/frame" // every io/… format
	_ "github.com/ember-df/ember/storage/cloud"
	_ "github.com/ember-df/ember/udf/onnx"
)

func main() {
	cluster.Init() // in a worker process, runs the harness and exits
	fmt.Fprintln(os.Stderr, "ember-beam-worker: a Beam worker binary for ember; job servers start it with --worker")
	os.Exit(2)
}
