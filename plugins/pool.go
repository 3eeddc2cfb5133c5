package plugins

import (
	"context"
	"fmt"
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/plugins/internal/wire"
	"google.golang.org/grpc/status"
)

// pool is a job's plugin processes: at most size at once, started when a
// batch finds none idle, each serving one batch at a time.
type pool struct {
	model   *Model
	threads int
	slots   chan struct{} // a token per batch in flight

	mu     sync.Mutex
	idle   []*worker
	live   map[*worker]bool
	closed bool
}

func newPool(m *Model, size, threads int) *pool {
	return &pool{model: m, threads: threads, slots: make(chan struct{}, size), live: map[*worker]bool{}}
}

// Predict implements udf.Loaded: it sends the batch to an idle process,
// starting one when none is idle and the pool has room.
func (p *pool) Predict(ctx context.Context, inputs []arrow.Array, rows int) ([]arrow.Array, error) {
	mem := compute.GetAllocator(ctx)
	batch, err := p.model.batch(ctx, inputs, rows)
	if err != nil {
		return nil, err
	}
	defer batch.Release()
	select {
	case p.slots <- struct{}{}:
		defer func() { <-p.slots }()
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
	w, err := p.get(ctx)
	if err != nil {
		return nil, err
	}
	bctx, cancel := context.WithTimeout(ctx, p.model.cfg.BatchTimeout)
	out, err := w.client.Predict(bctx, batch, mem)
	hung := callTimedOut(ctx, bctx, err)
	cancel()
	switch {
	case err == nil:
		p.put(w)
		defer out.Release()
		return p.model.check(out, rows)
	case ctx.Err() != nil:
		// The job is over: the process may be busy for long, so it goes.
		p.discard(w, true)
		return nil, context.Cause(ctx)
	case wire.IsModelError(err):
		p.put(w)
		return nil, fmt.Errorf("%s: %s", p.model, statusMessage(err))
	default:
		p.discard(w, true)
		what := "failed during a batch: " + statusMessage(err)
		if hung {
			what = fmt.Sprintf("did not answer within %s", p.model.cfg.BatchTimeout)
		} else if state := w.exitState(); state != "" {
			what = "died during a batch (" + state + ")"
		}
		return nil, &crashError{fmt.Sprintf("%s, pid %d, %s; killed it", p.model, w.pid, what)}
	}
}

// crashError is a broken plugin process: transient, since a fresh
// process may well succeed (plan.IsTransient).
type crashError struct{ msg string }

func (e *crashError) Error() string   { return e.msg }
func (e *crashError) Temporary() bool { return true }

// get returns an idle process, or starts one.
func (p *pool) get(ctx context.Context) (*worker, error) {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, fmt.Errorf("%s: the job's plugin processes were shut down", p.model)
	}
	if n := len(p.idle); n > 0 {
		w := p.idle[n-1]
		p.idle = p.idle[:n-1]
		p.mu.Unlock()
		return w, nil
	}
	p.mu.Unlock()
	w, err := p.model.start(ctx, p.threads)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	closed := p.closed
	if !closed {
		p.live[w] = true
	}
	p.mu.Unlock()
	if closed || ctx.Err() != nil {
		w.stop(true)
		if ctx.Err() != nil {
			return nil, context.Cause(ctx)
		}
		return nil, fmt.Errorf("%s: the job's plugin processes were shut down", p.model)
	}
	return w, nil
}

// put returns a healthy process to the pool.
func (p *pool) put(w *worker) {
	p.mu.Lock()
	if !p.closed {
		p.idle = append(p.idle, w)
		p.mu.Unlock()
		return
	}
	delete(p.live, w)
	p.mu.Unlock()
	w.stop(false)
}

// discard stops a process that must not serve again.
func (p *pool) discard(w *worker, hard bool) {
	p.mu.Lock()
	delete(p.live, w)
	p.mu.Unlock()
	w.stop(hard)
}

// Close implements udf.Loaded: it shuts every process down and waits for
// them to exit.
func (p *pool) Close() error {
	p.mu.Lock()
	p.closed = true
	var ws []*worker
	for w := range p.live {
		ws = append(ws, w)
	}
	p.live, p.idle = map[*worker]bool{}, nil
	p.mu.Unlock()
	var wg sync.WaitGroup
	for _, w := range ws {
		wg.Go(func() { w.stop(false) })
	}
	wg.Wait()
	return nil
}

// batch makes the record batch the plugin takes: its input names, and
// numeric columns cast to its input types.
func (m *Model) batch(ctx context.Context, inputs []arrow.Array, rows int) (arrow.RecordBatch, error) {
	schema := m.info.Inputs
	cols := make([]arrow.Array, len(inputs))
	defer func() {
		for _, c := range cols {
			if c != nil {
				c.Release()
			}
		}
	}()
	for i, in := range inputs {
		want := schema.Field(i).Type
		if arrow.TypeEqual(in.DataType(), want) {
			in.Retain()
			cols[i] = in
			continue
		}
		c, err := compute.CastArray(ctx, in, compute.SafeCastOptions(want))
		if err != nil {
			return nil, fmt.Errorf("%s: casting input %d to %s: %w", m, i+1, want, err)
		}
		cols[i] = c
	}
	return array.NewRecordBatch(schema, cols, int64(rows)), nil
}

// check verifies that out has the plugin's outputs for rows rows and
// returns its columns, which the caller releases.
func (m *Model) check(out arrow.RecordBatch, rows int) ([]arrow.Array, error) {
	if out.NumRows() != int64(rows) {
		return nil, fmt.Errorf("%s returned %d rows for a batch of %d", m, out.NumRows(), rows)
	}
	got, want := out.Schema().Fields(), m.info.Outputs.Fields()
	same := len(got) == len(want)
	for i := 0; same && i < len(got); i++ {
		same = got[i].Name == want[i].Name && arrow.TypeEqual(got[i].Type, want[i].Type)
	}
	if !same {
		return nil, fmt.Errorf("%s returned columns (%s); it declared (%s)", m, fieldList(got), fieldList(want))
	}
	cols := make([]arrow.Array, out.NumCols())
	for i, c := range out.Columns() {
		c.Retain()
		cols[i] = c
	}
	return cols, nil
}

// statusMessage is a gRPC error's message without the "rpc error: code
// = ... desc =" wrapping.
func statusMessage(err error) string {
	if s, ok := status.FromError(err); ok {
		return s.Message()
	}
	return err.Error()
}
