package call

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// iteration drives an iterator function over one partition: the function
// pulls gathered argument batches from a sequence that reads the input,
// and the operator pulls the function's results, pairing each with the
// oldest batch not yet answered.
type iteration struct {
	next     func() (arrow.Array, error, bool)
	stop     func()
	yield    func([]arrow.Array) bool
	groups   []*gathered // handed to the function, awaiting results
	inputErr error
	stopped  bool
}

// push hands a gathered batch to the function.
func (it *iteration) push(g *gathered) {
	it.groups = append(it.groups, g)
	if !it.stopped && !it.yield(g.args) {
		it.stopped = true
	}
}

func (it *iteration) close() {
	if it == nil {
		return
	}
	if it.stop != nil {
		it.stop()
		it.stop = nil
	}
	for _, g := range it.groups {
		g.release()
	}
	it.groups = nil
}

// iterate produces the next results of an iterator function into ready,
// or io.EOF once it and the input are done.
func (o *evaluateOp) iterate(ctx context.Context, fn plan.IteratorFunction) (err error) {
	name := fn.Name()
	defer callPanic("exec: "+name, &err)
	if o.iterating == nil {
		o.iterating = &iteration{}
		o.iterating.next, o.iterating.stop = iter.Pull2(fn.Iterate(ctx, o.partition, o.inputBatches(ctx)))
	}
	it := o.iterating
	result, err, ok := it.next()
	switch {
	case it.inputErr != nil:
		return it.inputErr
	case !ok && len(it.groups) > 0:
		return fmt.Errorf("exec: %s in partition %d ended with %d batches unanswered", name, o.partition, len(it.groups))
	case !ok:
		if err := o.dead.commit(); err != nil {
			return err
		}
		return io.EOF
	case err != nil:
		return fmt.Errorf("exec: %s in partition %d: %w", name, o.partition, err)
	case len(it.groups) == 0:
		if result != nil {
			result.Release()
		}
		return fmt.Errorf("exec: %s in partition %d yielded a result before taking its batch", name, o.partition)
	}
	g := it.groups[0]
	it.groups = it.groups[1:]
	defer g.release()
	if err := o.exec.call.check(result, g.rows()); err != nil {
		return fmt.Errorf("exec: in partition %d: %w", o.partition, err)
	}
	defer result.Release()
	o.exec.call.rows.Add(int64(g.rows()))
	o.exec.call.batches.Add(1)
	return o.outputs(ctx, g, result, nil)
}

// inputBatches is the sequence of gathered argument batches the iterator
// function reads.
func (o *evaluateOp) inputBatches(ctx context.Context) iter.Seq[[]arrow.Array] {
	return func(yield func([]arrow.Array) bool) {
		it := o.iterating
		it.yield = yield
		for !it.stopped {
			b, err := o.input.Next(ctx)
			if errors.Is(err, io.EOF) {
				if len(o.pending) > 0 {
					it.inputErr = o.flush(ctx)
				}
				return
			}
			if err == nil {
				err = o.add(ctx, b)
			}
			if err != nil {
				it.inputErr = err
				return
			}
		}
	}
}
