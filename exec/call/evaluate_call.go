package call

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// isolationRuns bounds the extra runs spent finding the failed rows of a
// batch of n rows that failed as a whole (under the null and dead-letter
// policies): halves are run until single rows fail, which takes at most
// 2n runs whatever rows fail, so this bound only guards against a
// function that fails differently each time; rows still unresolved when it
// is spent count as failed with their sub-batch's error.
func isolationRuns(n int) int { return 2*n + 8 }

// callState is one batch call's share of a job: the function opened once
// for every partition, and its metrics.
type callState struct {
	owner    plan.ResourceOwner
	call     *plan.BatchCall
	name     string
	column   string
	batching plan.Batching
	parallel int // partitions that run the call at once

	mu      sync.Mutex
	opening chan struct{} // closed once Open has returned; nil before
	runner  plan.BatchRunner
	openErr error

	rows, batches, failedRows, retries atomic.Int64
	deadLetters                        atomic.Int64
	loads, loadNanos                   atomic.Int64
	latMu                              sync.Mutex
	latencies                          []time.Duration
}

// newCallState prepares a call over partitions input partitions.
func newCallState(n *plan.Evaluate, partitions int, env Env) *callState {
	b := n.Call.Fn.Batching()
	if o := n.Call.Options.Batching; o.Rows > 0 {
		b.Rows = o.Rows
	}
	if o := n.Call.Options.Batching; o.Bytes > 0 {
		b.Bytes = o.Bytes
	}
	if o := n.Call.Options.Batching; o.Workers > 0 {
		b.Workers = o.Workers
	}
	// Independent of the input's batches: a model is fed batches of its
	// own size.
	if b.Rows <= 0 {
		b.Rows = env.BatchRows
	}
	if b.Bytes <= 0 {
		b.Bytes = env.BatchBytes
	}
	// The partitions that call at once: a one-partition input gives the
	// function (a model's threads) the whole machine.
	parallel := max(1, min(env.Parallelism, partitions))
	return &callState{owner: env.Owner, call: n.Call, name: n.Call.Fn.Name(), column: n.Name, batching: b, parallel: parallel}
}

// open opens the function on first use; later callers wait for that (or
// for their context).
func (s *callState) open(ctx context.Context) (plan.BatchRunner, error) {
	s.mu.Lock()
	ch := s.opening
	if ch == nil {
		s.opening = make(chan struct{})
		s.mu.Unlock()
		func() {
			defer close(s.opening)
			defer callPanic("exec: opening "+s.name, &s.openErr)
			env := plan.JobEnv{Parallelism: s.parallel, RecordLoad: s.recordLoad, Owner: s.owner}
			s.runner, s.openErr = s.call.Fn.Open(ctx, env)
			if s.openErr != nil {
				s.openErr = fmt.Errorf("exec: opening %s: %w", s.name, s.openErr)
			}
		}()
		return s.runner, s.openErr
	}
	s.mu.Unlock()
	select {
	case <-ch:
		return s.runner, s.openErr
	case <-ctx.Done():
		return nil, context.Cause(ctx)
	}
}

func (s *callState) recordLoad(d time.Duration) {
	s.loads.Add(1)
	s.loadNanos.Add(int64(d))
}

func (s *callState) close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.runner != nil {
		s.runner.Close()
		s.runner = nil
	}
}

// run computes one gathered batch under the call's error policy. where
// names the rows for errors. It returns the result (NULL at failed rows)
// and the failed rows, or an error when the batch, or under FailFast any
// row, failed.
func (s *callState) run(ctx context.Context, args []arrow.Array, rows int, where string, first int64) (arrow.Array, *failures, error) {
	runner, err := s.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	s.batches.Add(1)
	s.rows.Add(int64(rows))
	result, err := s.attempt(ctx, runner, args, rows)
	if err == nil {
		return result, nil, nil
	}
	policy := s.call.Options.OnError
	var rowErrs *plan.RowErrors
	var fails *failures
	switch {
	case errors.As(err, &rowErrs):
		result, fails = rowErrs.Result, &failures{rows: rowErrs.Rows, errs: rowErrs.Errs}
	case policy == plan.FailFast || ctx.Err() != nil:
		return nil, nil, fmt.Errorf("exec: %s in %s: %w", s.name, where, err)
	default:
		budget := isolationRuns(rows)
		result, fails, err = s.isolate(ctx, runner, args, rows, err, &budget)
		if err != nil {
			return nil, nil, err
		}
	}
	s.failedRows.Add(int64(len(fails.rows)))
	if policy == plan.FailFast && len(fails.rows) > 0 {
		result.Release()
		return nil, nil, fmt.Errorf("exec: %s in %s: row %d: %w (%d rows of the batch failed)", s.name, where, first+int64(fails.rows[0]), fails.errs[0], len(fails.rows))
	}
	return result, fails, nil
}

// attempt runs the function once, plus the retries its transient errors
// earn, checking what it returns.
func (s *callState) attempt(ctx context.Context, runner plan.BatchRunner, args []arrow.Array, rows int) (arrow.Array, error) {
	for try := 0; ; try++ {
		start := time.Now()
		out, err := s.invoke(ctx, runner, args, rows)
		s.recordLatency(time.Since(start))
		if err == nil || !plan.IsTransient(err) || ctx.Err() != nil {
			return out, err
		}
		if try >= s.call.Options.Retries {
			if try > 0 {
				err = fmt.Errorf("%w (gave up after %d retries)", err, try)
			}
			return out, err
		}
		s.retries.Add(1)
		select {
		case <-time.After(backoff(try + 1)):
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
}

func (s *callState) invoke(ctx context.Context, runner plan.BatchRunner, args []arrow.Array, rows int) (out arrow.Array, err error) {
	defer callPanic(s.name, &err)
	out, err = runner.Run(ctx, args, rows)
	var rowErrs *plan.RowErrors
	if errors.As(err, &rowErrs) {
		if err := s.check(rowErrs.Result, rows); err != nil {
			return nil, err
		}
		return nil, err
	}
	if err != nil {
		return nil, err
	}
	return out, s.check(out, rows)
}

// check verifies a result's length and type, releasing it when wrong.
func (s *callState) check(out arrow.Array, rows int) error {
	if out == nil {
		return fmt.Errorf("%s returned no result", s.name)
	}
	if out.Len() != rows || !arrow.TypeEqual(out.DataType(), s.call.Type()) {
		defer out.Release()
		return fmt.Errorf("%s returned %d values of type %s for %d rows, want %s", s.name, out.Len(), out.DataType(), rows, s.call.Type())
	}
	return nil
}

// isolate finds the failed rows of a batch that failed as a whole by
// running halves of it, within budget extra runs.
func (s *callState) isolate(ctx context.Context, runner plan.BatchRunner, args []arrow.Array, rows int, cause error, budget *int) (arrow.Array, *failures, error) {
	mem := compute.GetAllocator(ctx)
	if rows == 1 || *budget <= 0 {
		fails := &failures{}
		for r := range rows {
			fails.rows = append(fails.rows, r)
			fails.errs = append(fails.errs, cause)
		}
		return array.MakeArrayOfNull(mem, s.call.Type(), rows), fails, nil
	}
	var parts []arrow.Array
	defer func() { eval.ReleaseArrays(parts) }()
	fails := &failures{}
	for _, span := range [][2]int{{0, rows / 2}, {rows / 2, rows}} {
		if ctx.Err() != nil {
			return nil, nil, context.Cause(ctx)
		}
		sub := make([]arrow.Array, len(args))
		for i, a := range args {
			sub[i] = array.NewSlice(a, int64(span[0]), int64(span[1]))
		}
		*budget--
		n := span[1] - span[0]
		out, err := s.attempt(ctx, runner, sub, n)
		var part *failures
		var rowErrs *plan.RowErrors
		switch {
		case err == nil:
		case errors.As(err, &rowErrs):
			out, part = rowErrs.Result, &failures{rows: rowErrs.Rows, errs: rowErrs.Errs}
		default:
			out, part, err = s.isolate(ctx, runner, sub, n, err, budget)
		}
		eval.ReleaseArrays(sub)
		if err != nil && out == nil {
			return nil, nil, err
		}
		parts = append(parts, out)
		fails.add(part, span[0])
	}
	joined, err := array.Concatenate(parts, mem)
	if err != nil {
		return nil, nil, err
	}
	return joined, fails, nil
}

func (s *callState) recordLatency(d time.Duration) {
	s.latMu.Lock()
	s.latencies = append(s.latencies, d)
	s.latMu.Unlock()
}

func (s *callState) metrics() Metrics {
	s.latMu.Lock()
	lat := slices.Clone(s.latencies)
	s.latMu.Unlock()
	return Metrics{
		Function:    s.name,
		Column:      s.column,
		Rows:        s.rows.Load(),
		Batches:     s.batches.Load(),
		FailedRows:  s.failedRows.Load(),
		Retries:     s.retries.Load(),
		DeadLetters: s.deadLetters.Load(),
		Loads:       s.loads.Load(),
		LoadTime:    time.Duration(s.loadNanos.Load()),
		Latency:     summarize(lat),
	}
}

// failures are the failed rows of a batch, ascending, with their errors.
type failures struct {
	rows []int
	errs []error
}

// add appends other's rows, shifted by offset.
func (f *failures) add(other *failures, offset int) {
	if other == nil {
		return
	}
	for i, r := range other.rows {
		f.rows = append(f.rows, r+offset)
		f.errs = append(f.errs, other.errs[i])
	}
}

// within returns the failed rows in [offset, offset+n), relative to offset.
func (f *failures) within(offset, n int) ([]int, []error) {
	var rows []int
	var errs []error
	for i, r := range f.rows {
		if r >= offset && r < offset+n {
			rows = append(rows, r-offset)
			errs = append(errs, f.errs[i])
		}
	}
	return rows, errs
}
