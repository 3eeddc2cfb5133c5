package udf

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// Model is the contract of a model backend, after Apache Beam's
// ModelHandler: it describes the model at plan time, and loads it for
// inference. The engine loads a model once per process and shares the
// loaded copy across every partition and job (the "broadcast"); Unload
// frees it. Package udf/onnx implements Model for ONNX Runtime.
type Model interface {
	// Name identifies the model in plans, errors and metrics.
	Name() string
	// Key identifies what Load loads: models with equal keys share one
	// loaded copy per process (a file path and the options that change
	// the loaded model, say).
	Key() string
	// Bind checks the input columns (names and types) at plan time and
	// returns the outputs Predict will produce, at least one. Its errors
	// name the column and what the model wants instead.
	Bind(inputs []arrow.Field) ([]arrow.Field, error)
	// Hints tell the engine how to feed the model.
	Hints() Hints
	// Load loads the model. The engine calls it once per process for a
	// key (per copy when Hints.Copies > 1).
	Load(ctx context.Context, opts LoadOptions) (Loaded, error)
}

// Loaded is a model ready for inference.
type Loaded interface {
	// Predict computes the model's outputs for one batch: inputs are the
	// columns Bind accepted (borrowed, each of length rows); it returns one
	// array per output Bind declared, each of length rows, which the
	// caller releases. It is called concurrently from several partitions.
	Predict(ctx context.Context, inputs []arrow.Array, rows int) ([]arrow.Array, error)
	// Close frees the model.
	Close() error
}

// Hints describe how a model prefers to be fed; zero fields leave the
// choice to the engine.
type Hints struct {
	// BatchRows and BatchBytes bound the batches Predict receives.
	BatchRows  int
	BatchBytes int64
	// Copies is the number of loaded copies per process that partitions
	// share round-robin (default 1: models that run calls concurrently,
	// like ONNX Runtime's sessions, need no more).
	Copies int
	// Concurrency bounds the Predict calls running at once on one copy
	// (0: no bound), for models that are not safe for concurrent use (1)
	// or that saturate the machine with a few calls.
	Concurrency int
	// ReleaseAfterJob closes the loaded copies as soon as no job uses
	// them, instead of keeping them for later jobs: for models that hold
	// processes or servers (package plugins), which must not outlive the
	// job that started them.
	ReleaseAfterJob bool
}

// LoadOptions are what the engine decides for a load.
type LoadOptions struct {
	// Threads is the number of threads one Predict call may use: the
	// machine's cores divided among the partitions that run at once, so
	// that model threads and partitions do not oversubscribe the cores.
	Threads int
	// Parallelism is the number of partitions that may call Predict at
	// once: a model that serves calls from a pool of workers (plugin
	// processes) sizes its pool by it.
	Parallelism int
}

// shared holds the models loaded in this process, by key.
var shared = struct {
	sync.Mutex
	models map[string]*sharedModel
}{models: map[string]*sharedModel{}}

// sharedModel is a model's loaded copies, shared by every user in the
// process.
type sharedModel struct {
	key    string
	model  Model
	ready  chan struct{} // closed once loading ended
	copies []Loaded
	slots  []chan struct{} // per copy, when Hints.Concurrency bounds calls
	err    error
	users  int // jobs using the copies, plus owners holding them
	holds  int // of users, the owners' holds
	next   atomic.Uint64
}

// predict runs a call on the next copy, round-robin, waiting for a slot
// when the model bounds its concurrency.
func (s *sharedModel) predict(ctx context.Context, inputs []arrow.Array, rows int) ([]arrow.Array, error) {
	i := 0
	if len(s.copies) > 1 {
		i = int(s.next.Add(1) % uint64(len(s.copies)))
	}
	if s.slots != nil {
		select {
		case s.slots[i] <- struct{}{}:
			defer func() { <-s.slots[i] }()
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
	}
	return s.copies[i].Predict(ctx, inputs, rows)
}

// acquire returns m's loaded copies, loading them if no one in this
// process has; it reports through loaded how long a load it made took.
// Every successful acquire is paired with a release.
func acquire(ctx context.Context, m Model, opts LoadOptions, loaded func(time.Duration)) (*sharedModel, error) {
	// A copy loaded for other threads (a job of another parallelism) is
	// not shared: its intra-op threads are fixed at load.
	key := sharedKey(m, opts.Threads)
	shared.Lock()
	s, ok := shared.models[key]
	if !ok {
		s = &sharedModel{key: key, model: m, ready: make(chan struct{})}
		shared.models[key] = s
	}
	s.users++
	shared.Unlock()
	if !ok {
		start := time.Now()
		s.copies, s.err = loadCopies(ctx, m, opts)
		if n := m.Hints().Concurrency; n > 0 {
			for range s.copies {
				s.slots = append(s.slots, make(chan struct{}, n))
			}
		}
		if s.err == nil && loaded != nil {
			loaded(time.Since(start))
		}
		close(s.ready)
	}
	select {
	case <-s.ready:
	case <-ctx.Done():
		s.release()
		return nil, context.Cause(ctx)
	}
	if s.err != nil {
		err := s.err
		s.release()
		shared.Lock()
		if shared.models[key] == s {
			delete(shared.models, key) // the next job tries again
		}
		shared.Unlock()
		return nil, err
	}
	return s, nil
}

func loadCopies(ctx context.Context, m Model, opts LoadOptions) (copies []Loaded, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("loading model %s panicked: %v", m.Name(), r)
		}
		if err != nil {
			for _, c := range copies {
				c.Close()
			}
			copies = nil
		}
	}()
	n := max(1, m.Hints().Copies)
	for range n {
		c, err := m.Load(ctx, opts)
		if err != nil {
			return copies, fmt.Errorf("loading model %s: %w", m.Name(), err)
		}
		copies = append(copies, c)
	}
	return copies, nil
}

// release ends one use of s by a job. The copies stay loaded for later
// jobs, unless the model asks to be released after its jobs: then the
// last user closes them, and the next job loads the model again.
func (s *sharedModel) release() error { return s.end(s.model.Hints().ReleaseAfterJob) }

// holdFor keeps s loaded until owner (a session) closes: one more use,
// which the owner ends. Models released after each job are not held.
func (s *sharedModel) holdFor(owner plan.ResourceOwner) {
	if owner == nil || s.model.Hints().ReleaseAfterJob {
		return
	}
	shared.Lock()
	s.users++
	s.holds++
	shared.Unlock()
	if !owner.Hold(s.key, s.releaseHeld) {
		s.releaseHeld() // the owner holds s already
	}
}

// releaseHeld ends an owner's hold: when nothing else uses s, its copies
// close and the next job loads the model again.
func (s *sharedModel) releaseHeld() error {
	shared.Lock()
	s.holds--
	shared.Unlock()
	return s.end(true)
}

// end ends one use of s, closing the copies when it was the last and
// closeIfLast.
func (s *sharedModel) end(closeIfLast bool) error {
	shared.Lock()
	s.users--
	last := s.users == 0 && closeIfLast && shared.models[s.key] == s
	if last {
		delete(shared.models, s.key)
	}
	shared.Unlock()
	if !last {
		return nil
	}
	<-s.ready
	var errs []error
	for _, c := range s.copies {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// ErrModelInUse is returned by Unload while a job uses the model.
var ErrModelInUse = errors.New("udf: model is in use")

// Unload frees the copies of m loaded in this process; the next job that
// uses m loads it again. It fails with ErrModelInUse while a job runs it;
// sessions that merely keep it loaded do not stop it.
func Unload(m Model) error {
	shared.Lock()
	var unloading []*sharedModel
	for key, s := range shared.models {
		if !strings.HasPrefix(key, m.Key()+"\x00") {
			continue
		}
		if s.users > s.holds {
			shared.Unlock()
			return fmt.Errorf("%w: %s", ErrModelInUse, m.Name())
		}
		unloading = append(unloading, s)
	}
	for key := range shared.models {
		if strings.HasPrefix(key, m.Key()+"\x00") {
			delete(shared.models, key)
		}
	}
	shared.Unlock()
	var errs []error
	for _, s := range unloading {
		<-s.ready
		for _, c := range s.copies {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}

// sharedKey identifies a model loaded with threads threads per call.
func sharedKey(m Model, threads int) string { return fmt.Sprintf("%s\x00threads=%d", m.Key(), threads) }

// threadsPerCall divides the machine's cores among parallelism concurrent
// callers.
func threadsPerCall(parallelism int) int {
	return max(1, runtime.NumCPU()/max(1, parallelism))
}
