package exec

import (
	"fmt"
	"slices"
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
	// live counts the stage's tasks and rows as they run in this process;
	// inputBytes estimates what its scans read (see StageProgress).
	live       stageStats
	inputBytes int64
}

// Partitions is the number of tasks of the stage.
func (s *Stage) Partitions() int { return s.root.Partitions() }

// Output is the exchange the stage writes, or nil for the last stage,
// whose output is the job's result.
func (s *Stage) Output() *Exchange { return s.output }

// Inputs are the IDs of the exchanges the stage reads.
func (s *Stage) Inputs() []int { return s.inputs }

// ExchangePartition names one output partition of one exchange.
type ExchangePartition struct {
	// Exchange is the exchange's ID: the ID of the stage that writes it.
	Exchange, Partition int
}

// Reads returns the exchange partitions task p of the stage reads, each
// once, so that a runner can bring them to the task: partition p of an
// exchange a stage reads directly, all of them under a limit, a range of
// them under a coalesce, and partition p of a Range output's bounds.
func (s *Stage) Reads(p int) []ExchangePartition {
	var out []ExchangePartition
	var walk func(n PhysicalNode, parts []int)
	walk = func(n PhysicalNode, parts []int) {
		if r, ok := n.(*exchangeReadExec); ok {
			for _, q := range parts {
				out = append(out, ExchangePartition{Exchange: r.exchange.ID, Partition: q})
			}
			return
		}
		for i, c := range n.Children() {
			var childParts []int
			for _, q := range parts {
				childParts = append(childParts, childPartitions(n, q)[i]...)
			}
			walk(c, childParts)
		}
	}
	walk(s.root, []int{p})
	if s.output != nil && s.output.Bounds != nil {
		out = append(out, ExchangePartition{Exchange: s.output.Bounds.ID, Partition: p})
	}
	return out
}

// partitionMapper is implemented by the nodes whose partition p does not
// read partition p of each child.
type partitionMapper interface {
	// childPartitions returns, for each child, the partitions of it that
	// partition p reads.
	childPartitions(p int) [][]int
}

func childPartitions(n PhysicalNode, p int) [][]int {
	if m, ok := n.(partitionMapper); ok {
		return m.childPartitions(p)
	}
	out := make([][]int, len(n.Children()))
	for i := range out {
		out[i] = []int{p}
	}
	return out
}

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
	// Forward keeps each partition's rows in the partition of the same
	// number: it materializes a stage's output for more than one reader.
	Forward
	// Broadcast sends every row to every output partition.
	Broadcast
	// Range sends each row to the partition of its sort keys' range: the
	// ranges are split at the bounds in the Bounds exchange, so output
	// partition i holds rows that sort before those of partition i+1.
	Range
)

func (k ExchangeKind) String() string {
	return [...]string{"round-robin", "hash", "gather", "forward", "broadcast", "range"}[k]
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
	// Orders are the sort keys of a Range exchange, over the writing
	// stage's schema; Bounds is the Broadcast exchange holding the upper
	// bound of each range but the last, one row per bound, in Orders'
	// order, one column per key. Task p of the writing stage reads
	// partition p of Bounds.
	Orders []plan.SortOrder
	Bounds *Exchange
	// Schema is the schema of the batches that cross.
	Schema *arrow.Schema
	// readers is the number of stages that read the exchange: each reads
	// each output partition once.
	readers int
	// what names the exchange in budget errors.
	what string
}

// Readers is the number of stages that read the exchange. Each reads
// every output partition exactly once, over all of its tasks (Stage.Reads).
func (e *Exchange) Readers() int { return e.readers }

func (e *Exchange) String() string {
	switch e.Kind {
	case Hash:
		return fmt.Sprintf("exchange %d: hash %s into %d partitions", e.ID, plan.FormatExprs(e.Keys), e.Partitions)
	case Gather:
		return fmt.Sprintf("exchange %d: gather into 1 partition", e.ID)
	case Forward:
		return fmt.Sprintf("exchange %d: forward %d partitions", e.ID, e.Partitions)
	case Broadcast:
		return fmt.Sprintf("exchange %d: broadcast to %d partitions", e.ID, e.Partitions)
	case Range:
		return fmt.Sprintf("exchange %d: range %s into %d partitions, bounds from exchange %d", e.ID, plan.FormatOrders(e.Orders), e.Partitions, e.Bounds.ID)
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
	s := &Stage{ID: len(g.stages), root: root, output: out, inputBytes: sourceBytes(root)}
	var reads []*Exchange
	walkPhysical(root, func(n PhysicalNode) {
		if r, ok := n.(*exchangeReadExec); ok {
			reads = append(reads, r.exchange)
		}
	})
	if out != nil && out.Bounds != nil {
		reads = append(reads, out.Bounds)
	}
	for _, x := range reads {
		if !slices.Contains(s.inputs, x.ID) {
			s.inputs = append(s.inputs, x.ID)
			x.readers++
		}
	}
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
