package call

import (
	"context"
	"errors"
	"io"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// ahead runs a batch function asynchronously for one partition (when the
// function's Batching asks for Workers): a producer goroutine reads the
// input and gathers batches, up to workers batches are computed at once,
// and the operator's Next takes the results in input order. The queue of
// computed results is bounded, so a slow consumer (the model downstream)
// stops the producer: backpressure, with the slower stage always busy.
type ahead struct {
	cancel  context.CancelCauseFunc
	slots   chan struct{}     // one per batch being computed
	results chan *aheadResult // in input order; closed when the producer ends
	err     error             // the producer's error, read after results closes
	done    sync.WaitGroup    // the producer and every computation
}

// aheadResult is one gathered batch being computed.
type aheadResult struct {
	g        *gathered
	ready    chan struct{}
	result   arrow.Array
	failures *failures
	err      error
}

func (r *aheadResult) release() {
	<-r.ready
	r.g.release()
	if r.result != nil {
		r.result.Release()
	}
}

// startAhead starts the producer.
func (o *evaluateOp) startAhead(ctx context.Context, workers int) {
	ctx, cancel := context.WithCancelCause(ctx)
	a := &ahead{cancel: cancel, slots: make(chan struct{}, workers), results: make(chan *aheadResult, workers)}
	o.ahead = a
	a.done.Add(1)
	go func() {
		defer a.done.Done()
		defer close(a.results)
		a.err = o.produce(ctx)
	}()
}

// produce reads the whole input, dispatching batches as they fill.
func (o *evaluateOp) produce(ctx context.Context) error {
	for {
		b, err := o.input.Next(ctx)
		if errors.Is(err, io.EOF) {
			if len(o.pending) > 0 {
				return o.flush(ctx)
			}
			return nil
		}
		if err != nil {
			return err
		}
		if err := o.add(ctx, b); err != nil {
			return err
		}
	}
}

// dispatch starts computing a gathered batch once a worker is free and
// queues it for the consumer.
func (a *ahead) dispatch(ctx context.Context, o *evaluateOp, g *gathered, first int64) error {
	select {
	case a.slots <- struct{}{}:
	case <-ctx.Done():
		g.release()
		return context.Cause(ctx)
	}
	r := &aheadResult{g: g, ready: make(chan struct{})}
	a.done.Add(1)
	go func() {
		defer a.done.Done()
		defer func() { <-a.slots }()
		defer close(r.ready)
		r.result, r.failures, r.err = o.compute(ctx, g, first)
	}()
	select {
	case a.results <- r:
		return nil
	case <-ctx.Done():
		r.release()
		return context.Cause(ctx)
	}
}

// nextAhead turns the next computed batch into ready output batches; it
// returns io.EOF when the producer has finished.
func (o *evaluateOp) nextAhead(ctx context.Context) error {
	a := o.ahead
	var r *aheadResult
	select {
	case r = <-a.results:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	if r == nil {
		if a.err != nil {
			return a.err
		}
		return io.EOF
	}
	defer r.release()
	select {
	case <-r.ready:
	case <-ctx.Done():
		return context.Cause(ctx)
	}
	if r.err != nil {
		return r.err
	}
	return o.outputs(ctx, r.g, r.result, r.failures)
}

// stop cancels the producer and the computations, waits for them and
// releases what they made.
func (a *ahead) stop() {
	if a == nil {
		return
	}
	a.cancel(context.Canceled)
	a.done.Wait()
	for r := range a.results {
		r.release()
	}
}
