package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// scanExec reads a source, one operator per source partition.
type scanExec struct {
	job *job
	src plan.Source
}

func (s *scanExec) Schema() *arrow.Schema    { return s.src.Schema() }
func (s *scanExec) Partitions() int          { return s.src.Partitions() }
func (s *scanExec) Children() []PhysicalNode { return nil }
func (s *scanExec) String() string {
	return fmt.Sprintf("ScanExec %s (%d partitions)", s.src, s.src.Partitions())
}

// Operator implements PhysicalNode.
func (s *scanExec) Operator(p int) (Operator, error) {
	return &scanOp{exec: s, partition: p}, nil
}

type scanOp struct {
	exec      *scanExec
	partition int
	reader    plan.BatchReader
	stats     *taskStats
}

var _ Operator = (*scanOp)(nil)

func (o *scanOp) Schema() *arrow.Schema { return o.exec.src.Schema() }

// Open implements Operator.
func (o *scanOp) Open(ctx context.Context) error {
	cfg := o.exec.job.cfg
	o.stats = statsOf(ctx)
	r, err := o.exec.src.Open(ctx, o.partition, plan.ScanOptions{
		Allocator: cfg.Allocator, BatchRows: cfg.BatchRows, BatchBytes: cfg.BatchBytes,
	})
	if err != nil {
		return err
	}
	o.reader = r
	return nil
}

// Next implements Operator.
func (o *scanOp) Next(ctx context.Context) (arrow.RecordBatch, error) {
	for {
		b, err := o.reader.Next(ctx)
		if err != nil {
			return nil, err
		}
		o.stats.read(b)
		if b.NumRows() > 0 {
			return b, nil
		}
	}
}

// Close implements Operator.
func (o *scanOp) Close() error {
	if o.reader == nil {
		return nil
	}
	r := o.reader
	o.reader = nil
	return r.Close()
}
