package cluster

import (
	"time"
	_ "unsafe" // go:linkname

	"github.com/ember-df/ember/exec"
)

// graphMetrics returns the metrics of a graph's job so far — on a worker,
// the UDF metrics (rows, batches, failed rows, model loads) of the one
// task that ran on it.
//
// exec computes them (Graph.metrics) but does not export them yet; this
// link to the unexported method goes once exec exports Graph.Metrics
// (requested from exec's owner).
//
//go:linkname graphMetrics github.com/ember-df/ember/exec.(*Graph).metrics
func graphMetrics(g *exec.Graph, elapsed time.Duration) exec.Metrics
