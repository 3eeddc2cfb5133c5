package exec

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/plan"
)

// GraphWireVersion is the version of the form Graph.Marshal writes.
// UnmarshalGraph refuses any other: driver and workers must run the same
// build of ember, as they must for the plan itself.
const GraphWireVersion = 2

// graphWire is a Graph's wire form: the optimized logical plan, the
// settings the graph was built with and, for a write job, where its tasks
// write. The stage count checks that the worker rebuilt the same graph.
type graphWire struct {
	Version int             `json:"ember_graph"`
	Plan    json.RawMessage `json:"plan"`
	Config  configWire      `json:"config"`
	Write   *commit.Target  `json:"write,omitempty"`
	Stages  int             `json:"stages"`
}

type configWire struct {
	Parallelism  int   `json:"parallelism"`
	MemoryBudget int64 `json:"memoryBudget"`
	BatchRows    int   `json:"batchRows"`
	BatchBytes   int64 `json:"batchBytes"`
	// BroadcastThreshold decides join strategies, hence the stages.
	BroadcastThreshold int64 `json:"broadcastThreshold,omitempty"`
}

// Marshal encodes the graph for a worker: see UnmarshalGraph. It fails,
// naming the culprit, when the plan holds something that cannot travel (a
// Go closure, an unregistered source).
func (g *Graph) Marshal() ([]byte, error) {
	p, err := plan.Marshal(g.root)
	if err != nil {
		return nil, fmt.Errorf("exec: marshaling the graph: %w", err)
	}
	c := g.job.cfg
	return json.Marshal(graphWire{
		Version: GraphWireVersion, Plan: p, Write: g.write, Stages: len(g.stages),
		Config: configWire{Parallelism: c.Parallelism, MemoryBudget: c.MemoryBudget, BatchRows: c.BatchRows, BatchBytes: c.BatchBytes,
			BroadcastThreshold: c.BroadcastThreshold},
	})
}

// ErrGraphVersion is returned by UnmarshalGraph for a graph written by
// another version of ember.
var ErrGraphVersion = errors.New("exec: unsupported graph version")

// UnmarshalGraph rebuilds a graph that Marshal encoded, with its own job
// state: its tasks allocate from mem (arrowmem.Default() when nil).
// Any (stage, partition) of the result can then run with Execute.
func UnmarshalGraph(data []byte, mem memory.Allocator) (*Graph, error) {
	var w graphWire
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, fmt.Errorf("exec: decoding a graph: %w", err)
	}
	if w.Version != GraphWireVersion {
		return nil, fmt.Errorf("%w: the graph is version %d, this build reads %d", ErrGraphVersion, w.Version, GraphWireVersion)
	}
	root, err := plan.Unmarshal(w.Plan)
	if err != nil {
		return nil, fmt.Errorf("exec: decoding a graph: %w", err)
	}
	cfg := Config{Parallelism: w.Config.Parallelism, MemoryBudget: w.Config.MemoryBudget,
		BatchRows: w.Config.BatchRows, BatchBytes: w.Config.BatchBytes, BroadcastThreshold: w.Config.BroadcastThreshold, Allocator: mem}
	g, err := newGraph(root, cfg, w.Write)
	if err != nil {
		return nil, fmt.Errorf("exec: rebuilding a graph: %w", err)
	}
	if len(g.stages) != w.Stages {
		g.Finish()
		return nil, fmt.Errorf("exec: the graph rebuilt with %d stages, the driver's had %d", len(g.stages), w.Stages)
	}
	return g, nil
}
