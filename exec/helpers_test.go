package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// memScan scans JSON rows of schema s: one slice of JSON arrays (one per
// batch) per partition.
func memScan(t *testing.T, mem memory.Allocator, s *arrow.Schema, partitions ...[]string) *plan.Scan {
	t.Helper()
	parts := make([][]arrow.RecordBatch, len(partitions))
	for p, batches := range partitions {
		for _, rows := range batches {
			b, _, err := array.RecordFromJSON(mem, s, strings.NewReader(rows))
			if err != nil {
				t.Fatal(err)
			}
			defer b.Release()
			parts[p] = append(parts[p], b)
		}
	}
	src, err := plan.NewMemorySource(s, parts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Release)
	return &plan.Scan{Source: src}
}

// run runs root on the local runner with a checked allocator.
func run(t *testing.T, ctx context.Context, mem memory.Allocator, batchRows int, root plan.Node) (*exectest.CollectSink, error) {
	t.Helper()
	sink := exectest.NewCollectSink()
	_, err := Local{Config: Config{Allocator: mem, Parallelism: 2, BatchRows: batchRows}}.RunPlan(ctx, root, sink)
	return sink, err
}

// runJob runs root like Local.RunPlan but hands back the job, so tests
// can see its memory budget after the end.
func runJob(ctx context.Context, cfg Config, root plan.Node, sink Sink) (*job, error) {
	g, err := NewGraph(root, cfg)
	if err != nil {
		return nil, err
	}
	_, err = Local{}.Run(ctx, g, sink)
	return g.job, err
}
