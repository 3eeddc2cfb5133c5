package plan

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
)

// BatchFunction is a user-defined function that the engine runs on batches
// it gathers itself, sized for the function rather than for the input:
// model inference is the main case (udf.Predict implements it). Unlike a
// ScalarFunction it is opened once per job, so a model is loaded once and
// shared by every partition.
//
// A plan never evaluates a BatchCall inside a Project or Filter: Projection
// and Selection move each call into an Evaluate node of its own, which the
// executor runs with batching, error policy, retries and metrics.
type BatchFunction interface {
	// Name identifies the function in plans, errors and metrics.
	Name() string
	// Bind checks the arguments at plan time (names and types: a column
	// reference's name is the column's) and returns the result type. Its
	// errors name the argument and what the function wants instead.
	Bind(args []arrow.Field) (arrow.DataType, error)
	// Batching returns the batch bounds the function prefers; zero fields
	// leave the choice to the engine.
	Batching() Batching
	// Open prepares the function for one job: called once per job, before
	// the first batch; the returned runner is used concurrently by every
	// partition of the job and closed when the job ends.
	Open(ctx context.Context, env JobEnv) (BatchRunner, error)
}

// BatchRunner computes a BatchFunction's results during one job.
type BatchRunner interface {
	// Run computes the result for one batch of arguments (borrowed, each of
	// length rows). The result has length rows and belongs to the caller.
	// A *RowErrors error reports rows that failed while the others have
	// results (NULL at the failed rows); any other error fails the batch.
	// It may be called concurrently.
	Run(ctx context.Context, args []arrow.Array, rows int) (arrow.Array, error)
	// Close releases what Open acquired.
	Close() error
}

// JobEnv tells a BatchFunction about the job that opens it.
type JobEnv struct {
	// Parallelism is the number of partitions that may call Run at once;
	// a model divides the machine's cores between them.
	Parallelism int
	// RecordLoad reports a model load made by Open and what it took (a
	// model already loaded in this process is not loaded again).
	RecordLoad func(time.Duration)
	// Owner, when set, is the longer-lived owner of the job (its
	// session): what Open loads may stay loaded until the owner closes,
	// for the owner's later jobs, instead of until the process ends.
	Owner ResourceOwner
}

// ResourceOwner keeps resources that jobs load (models) for its own
// lifetime, and releases them when it closes. A Session is one.
type ResourceOwner interface {
	// Hold registers release to run once when the owner closes. It
	// reports false, and registers nothing, when the owner already holds
	// key; the caller then drops the hold it meant to give.
	Hold(key string, release func() error) bool
}

// Batching bounds the batches a BatchFunction receives: at most Rows rows
// and about Bytes bytes of arguments each (a single row larger than Bytes
// still goes alone).
//
// Workers > 0 asks for an asynchronous boundary: the executor computes up
// to Workers batches of each partition at once, ahead of the operators
// that consume the results, in order and with backpressure (a bounded
// queue). CPU-bound pre-processing (image decoding) asks for it, so that
// it runs on every core while the model downstream infers.
type Batching struct {
	Rows    int
	Bytes   int64
	Workers int
}

// ErrorPolicy says what happens to rows a BatchFunction fails on.
type ErrorPolicy int

const (
	// FailFast fails the job with an error that names the function, the
	// partition, the rows and the cause (the default).
	FailFast ErrorPolicy = iota
	// SetNull leaves the result NULL for failed rows and carries on,
	// recording the error in the error column when one is named.
	SetNull
	// DeadLetter writes failed rows, with their error, as JSON lines under
	// a directory, drops them from the output and carries on.
	DeadLetter
)

var errorPolicyNames = []string{"fail", "null", "dead_letter"}

func (p ErrorPolicy) String() string { return errorPolicyNames[p] }

// CallOptions are the settings of one BatchCall that are the engine's, not
// the function's.
type CallOptions struct {
	// Batching overrides the function's preferred batch bounds, field by
	// field.
	Batching Batching
	// OnError is the error policy.
	OnError ErrorPolicy
	// ErrorColumn, with SetNull, names a string column that holds each
	// failed row's error (NULL for rows that succeeded).
	ErrorColumn string
	// DeadLetterDir is where DeadLetter writes failed rows.
	DeadLetterDir string
	// Retries bounds how often a batch that failed with a transient error
	// (see IsTransient) is tried again.
	Retries int
}

// BatchCall applies a BatchFunction to argument expressions.
type BatchCall struct {
	Fn      BatchFunction
	Args    []Expr
	Options CallOptions
	typ     arrow.DataType
}

func (c *BatchCall) String() string {
	parts := make([]string, len(c.Args))
	for i, a := range c.Args {
		parts[i] = a.String()
	}
	return fmt.Sprintf("%s(%s)", c.Fn.Name(), strings.Join(parts, ", "))
}
func (c *BatchCall) Children() []Expr     { return c.Args }
func (c *BatchCall) Type() arrow.DataType { return c.typ }
func (c *BatchCall) WithChildren(x []Expr) Expr {
	out := *c
	out.Args = x
	return &out
}

// Resolve implements Expr.
func (c *BatchCall) Resolve(in *arrow.Schema) (Expr, error) {
	args := make([]Expr, len(c.Args))
	fields := make([]arrow.Field, len(c.Args))
	for i, a := range c.Args {
		r, err := a.Resolve(in)
		if err != nil {
			return nil, err
		}
		args[i], fields[i] = r, Field(r)
	}
	t, err := c.Fn.Bind(fields)
	if err != nil {
		return nil, fmt.Errorf("plan: %s: %w", c.Fn.Name(), err)
	}
	if _, ok := c.Fn.(IteratorFunction); ok && c.Options.OnError != FailFast {
		return nil, fmt.Errorf("plan: %s: an iterator function fails on errors; error policies are for batch functions", c.Fn.Name())
	}
	if c.Options.OnError == DeadLetter && c.Options.DeadLetterDir == "" {
		return nil, fmt.Errorf("plan: %s: the dead-letter policy needs a directory", c.Fn.Name())
	}
	out := *c
	out.Args, out.typ = args, t
	return &out, nil
}

// RowErrors is the error a BatchRunner returns when some rows of a batch
// failed and the rest have results.
type RowErrors struct {
	// Result has a value for every row, NULL at the failed ones.
	Result arrow.Array
	// Rows are the failed rows' positions in the batch, ascending, and
	// Errs their errors.
	Rows []int
	Errs []error
}

func (e *RowErrors) Error() string {
	if len(e.Rows) == 0 {
		return "no rows failed"
	}
	return fmt.Sprintf("%d rows failed; row %d: %v", len(e.Rows), e.Rows[0], e.Errs[0])
}

// ErrTransient marks errors worth retrying (a crashed model server, a
// timeout): wrap it, or implement Temporary() bool.
var ErrTransient = errors.New("transient failure")

// IsTransient reports whether err is worth retrying.
func IsTransient(err error) bool {
	if errors.Is(err, ErrTransient) {
		return true
	}
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// IteratorFunction is a BatchFunction that runs once per partition over the
// stream of that partition's argument batches, like Spark's iterator
// pandas UDFs (SCALAR_ITER): it can do per-partition setup before its loop
// and keep state across batches. It yields one result per argument batch,
// in order, each as long as its batch. The argument arrays are borrowed
// until the function yields their result. The executor calls Iterate
// instead of Open and Run; errors fail the job (no error policies).
type IteratorFunction interface {
	BatchFunction
	Iterate(ctx context.Context, partition int, batches iter.Seq[[]arrow.Array]) iter.Seq2[arrow.Array, error]
}
