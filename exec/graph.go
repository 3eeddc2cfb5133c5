package exec

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/plan"
)

// Graph is a job's physical plan: a graph of stages cut at exchanges.
//
// Inside a stage, operators pipeline per partition: one task runs one
// partition of one stage, from its inputs (source splits, or the
// exchanges of earlier stages) to its output (an exchange, or the job's
// result). A stage reads only exchanges written by stages before it in
// Stages, and the last stage produces the job's result.
//
// A graph is built from an optimized logical plan by NewGraph, a
// deterministic function of the plan and the Config; its wire form
// (Marshal) is therefore the plan and the settings, from which a worker
// rebuilds the same graph (UnmarshalGraph) and runs any (stage,
// partition) task of it with Execute. A graph runs once: its job state
// (loaded models, counters, the memory budget) ends with Finish.
type Graph struct {
	job    *job
	root   plan.Node      // the optimized logical plan it was built from
	write  *commit.Target // set for a write job
	stages []*Stage
}

// Stage is one pipeline of a Graph, run as one task per partition.
type Stage struct {
	// ID is the stage's index in Graph.Stages; an exchange has the ID of
	// the stage that writes it.
	ID     int
	root   PhysicalNode
	output *Exchange // nil for the last stage
	inputs []int     // the exchanges the stage reads
}

// Partitions is the number of tasks of the stage.
func (s *Stage) Partitions() int { return s.root.Partitions() }

// Output is the exchange the stage writes, or nil for the last stage,
// whose output is the job's result.
func (s *Stage) Output() *Exchange { return s.output }

// Inputs are the IDs of the exchanges the stage reads.
func (s *Stage) Inputs() []int { return s.inputs }

// Root is the stage's operator tree, for EXPLAIN.
func (s *Stage) Root() PhysicalNode { return s.root }

// ExchangeKind says how rows move between two stages.
type ExchangeKind int

// The exchange kinds.
const (
	// RoundRobin deals rows to the output partitions in turn.
	RoundRobin ExchangeKind = iota
	// Hash sends each row to the partition of its key's hash.
	Hash
	// Gather brings every row to one partition, in the order of the
	// writing partitions.
	Gather
)

func (k ExchangeKind) String() string {
	return [...]string{"round-robin", "hash", "gather"}[k]
}

// Exchange describes how a stage's output reaches the stage that reads it.
// Readers see the batches of one output partition in the order of the
// partitions that wrote them, each partition's batches in the order it
// wrote them.
type Exchange struct {
	// ID is the ID of the stage that writes the exchange.
	ID   int
	Kind ExchangeKind
	// Partitions is the number of output partitions.
	Partitions int
	// Keys are the hash keys (Kind Hash), over the writing stage's schema.
	Keys []plan.Expr
	// Schema is the schema of the batches that cross.
	Schema *arrow.Schema
	// what names the exchange in budget errors.
	what string
}

func (e *Exchange) String() string {
	switch e.Kind {
	case Hash:
		return fmt.Sprintf("exchange %d: hash %s into %d partitions", e.ID, plan.FormatExprs(e.Keys), e.Partitions)
	case Gather:
		return fmt.Sprintf("exchange %d: gather into 1 partition", e.ID)
	}
	return fmt.Sprintf("exchange %d: round-robin into %d partitions", e.ID, e.Partitions)
}

// Stages returns the graph's stages in the order they may run.
func (g *Graph) Stages() []*Stage { return g.stages }

// Result is the last stage, whose tasks produce the job's result.
func (g *Graph) Result() *Stage { return g.stages[len(g.stages)-1] }

// Plan returns the optimized logical plan the graph was built from.
func (g *Graph) Plan() plan.Node { return g.root }

// Config returns the settings the graph was built with.
func (g *Graph) Config() Config { return g.job.cfg }

// Finish ends the graph's job: it closes the models the job opened and
// releases what its exchanges still hold. Runners call it once, after
// the last task.
func (g *Graph) Finish() { g.job.finish() }

// NewGraph builds the stage graph of an optimized logical plan. A plan
// rooted at a *plan.Write needs a commit.Target: see Write.
func NewGraph(root plan.Node, cfg Config) (*Graph, error) {
	return newGraph(root, cfg, nil)
}

func newGraph(root plan.Node, cfg Config, target *commit.Target) (*Graph, error) {
	g := &Graph{job: newJob(cfg), root: root, write: target}
	last, err := g.build(root)
	if err != nil {
		return nil, err
	}
	g.addStage(last, nil)
	return g, nil
}

// addStage makes root a stage writing out (nil for the result).
func (g *Graph) addStage(root PhysicalNode, out *Exchange) *Stage {
	s := &Stage{ID: len(g.stages), root: root, output: out}
	walkPhysical(root, func(n PhysicalNode) {
		if r, ok := n.(*exchangeReadExec); ok {
			s.inputs = append(s.inputs, r.exchange.ID)
		}
	})
	if out != nil {
		out.ID = s.ID
		out.Schema = root.Schema()
	}
	g.stages = append(g.stages, s)
	return s
}

// cut ends a stage at input, which writes exchange out, and returns the
// node that reads the exchange in the next stage.
func (g *Graph) cut(input PhysicalNode, out *Exchange) PhysicalNode {
	g.addStage(input, out)
	return &exchangeReadExec{job: g.job, exchange: out}
}

// gather brings input's partitions into one: through a Gather exchange
// that cuts a stage, unless input has a single partition already.
func (g *Graph) gather(input PhysicalNode, what string) PhysicalNode {
	if input.Partitions() == 1 {
		return input
	}
	return g.cut(input, &Exchange{Kind: Gather, Partitions: 1, what: what})
}

func walkPhysical(n PhysicalNode, fn func(PhysicalNode)) {
	fn(n)
	for _, c := range n.Children() {
		walkPhysical(c, fn)
	}
}

// Explain renders the stages, each with its operator tree, the way
// DataFrame.Explain prints them.
func (g *Graph) Explain() string {
	var b strings.Builder
	for _, s := range g.stages {
		out := "result"
		if s.output != nil {
			out = s.output.String()
		}
		fmt.Fprintf(&b, "Stage %d (%d tasks) → %s\n", s.ID, s.Partitions(), out)
		for _, line := range strings.Split(strings.TrimRight(ExplainPhysical(s.root), "\n"), "\n") {
			b.WriteString("  " + line + "\n")
		}
	}
	return b.String()
}
