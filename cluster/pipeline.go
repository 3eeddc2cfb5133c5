package cluster

import (
	"fmt"
	"slices"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/ember-df/ember/exec"
)

// pipelineSpec is what every task of a job needs besides its stage.
type pipelineSpec struct {
	job        string
	wire       []byte
	scratch    string
	chunkBytes int64
}

// buildPipeline translates g into a Beam pipeline: for each stage, in
// order, Flatten(seeds, routed input chunks) → GroupByKey on the task's
// partition → the stage's ParDo, whose output chunks the stages reading
// its exchange route to their tasks.
func buildPipeline(g *exec.Graph, spec pipelineSpec) (*beam.Pipeline, error) {
	p, s := beam.NewPipelineWithRoot()
	impulse := beam.Impulse(s)
	outputs := map[int]beam.PCollection{} // exchange ID → chunks its stage emitted
	for _, st := range g.Stages() {
		ss := s.Scope(fmt.Sprintf("stage%d", st.ID))
		routes, err := routesOf(g, st)
		if err != nil {
			return nil, err
		}
		inputs := []beam.PCollection{beam.ParDo(ss.Scope("seed"), &seedFn{Tasks: st.Partitions()}, impulse)}
		xs := make([]int, 0, len(routes))
		for x := range routes {
			xs = append(xs, x)
		}
		slices.Sort(xs)
		for _, x := range xs {
			// Each route carries one exchange: an exchange read by
			// several stages is routed once per reading stage.
			routed := beam.ParDo(ss.Scope(fmt.Sprintf("route%d", x)), &routeFn{Routes: map[int][][]int{x: routes[x]}}, outputs[x])
			inputs = append(inputs, routed)
		}
		grouped := beam.GroupByKey(ss, beam.Flatten(ss, inputs...))
		outputs[st.ID] = beam.ParDo(ss.Scope("task"), &stageFn{
			Job: spec.job, Graph: spec.wire, Stage: st.ID, Scratch: spec.scratch, ChunkBytes: spec.chunkBytes,
			Parallelism: g.Config().Parallelism,
		}, grouped)
	}
	return p, nil
}

// routesOf returns, for each exchange stage st reads, which of st's tasks
// read each of its partitions.
func routesOf(g *exec.Graph, st *exec.Stage) (map[int][][]int, error) {
	routes := map[int][][]int{}
	for p := 0; p < st.Partitions(); p++ {
		for _, r := range st.Reads(p) {
			if r.Exchange < 0 || r.Exchange >= st.ID {
				return nil, fmt.Errorf("cluster: stage %d reads exchange %d, which no earlier stage writes", st.ID, r.Exchange)
			}
			x := g.Stages()[r.Exchange].Output()
			if x == nil || r.Partition < 0 || r.Partition >= x.Partitions {
				return nil, fmt.Errorf("cluster: stage %d task %d reads partition %d of exchange %d, which has none", st.ID, p, r.Partition, r.Exchange)
			}
			parts := routes[r.Exchange]
			if parts == nil {
				parts = make([][]int, x.Partitions)
				routes[r.Exchange] = parts
			}
			parts[r.Partition] = append(parts[r.Partition], p)
		}
	}
	return routes, nil
}
