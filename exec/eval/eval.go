package eval

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/bitutil"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/arrow/scalar"
	"github.com/ember-df/ember/plan"
)

// Evaluator computes resolved expressions over the batches of one
// partition, in order. It is used by one goroutine at a time.
//
// Kernels run on the calling goroutine (parallelism comes from
// partitions, not from inside a kernel) and allocate from the allocator
// New was given.
type Evaluator struct {
	ctx       context.Context // carries the allocator for compute kernels
	mem       memory.Allocator
	partition int
	// rowOffset is the number of rows of this partition before the batch
	// being evaluated (for monotonically_increasing_id).
	rowOffset int64
}

// serialExec keeps arrow's compute kernels on the calling goroutine:
// parallelism comes from partitions, not from inside a kernel.
var serialExec = func() compute.ExecCtx {
	c := compute.DefaultExecCtx()
	c.NumParallel = 1
	return c
}()

// New returns an evaluator for partition (of a task running with ctx)
// that allocates from mem.
func New(ctx context.Context, mem memory.Allocator, partition int) *Evaluator {
	ctx = compute.SetExecCtx(compute.WithAllocator(ctx, mem), serialExec)
	return &Evaluator{ctx: ctx, mem: mem, partition: partition}
}

// Context is the context kernels run with: New's, with its allocator and
// serial execution. Operators pass it to the compute functions they call
// beside the evaluator (a filter's FilterRecordBatch).
func (ev *Evaluator) Context() context.Context { return ev.ctx }

// Advance records that the partition's next batch starts n rows further
// on. Operators that evaluate every batch of a partition call it after
// each, so that monotonically_increasing_id numbers the partition's rows.
func (ev *Evaluator) Advance(n int64) { ev.rowOffset += n }

// Array evaluates e (resolved against b's schema) over b. The caller
// releases the result, which has b's number of rows.
func (ev *Evaluator) Array(e plan.Expr, b arrow.RecordBatch) (arrow.Array, error) {
	d, err := ev.datum(e, b)
	if err != nil {
		return nil, err
	}
	defer d.Release()
	switch d := d.(type) {
	case *compute.ArrayDatum:
		return d.MakeArray(), nil
	case *compute.ScalarDatum:
		return scalar.MakeArrayFromScalar(d.Value, int(b.NumRows()), ev.mem)
	}
	return nil, fmt.Errorf("exec: %s evaluated to unexpected %s", e, d.Kind())
}

// datum evaluates e over b, leaving literals as scalars so kernels can
// broadcast them; the caller releases the result.
func (ev *Evaluator) datum(e plan.Expr, b arrow.RecordBatch) (compute.Datum, error) {
	switch e := e.(type) {
	case *plan.Column:
		i, err := plan.ColumnIndex(b.Schema(), e)
		if err != nil {
			return nil, err
		}
		return compute.NewDatum(b.Column(i)), nil
	case *plan.Alias:
		return ev.datum(e.Child, b)
	case *plan.Literal:
		s, err := literalScalar(e)
		if err != nil {
			return nil, err
		}
		return compute.NewDatum(s), nil
	case *plan.Binary:
		return ev.binary(e, b)
	case *plan.Unary:
		return ev.unary(e, b)
	case *plan.Cast:
		return ev.cast(e, b)
	}
	arr, err := ev.computed(e, b)
	if err != nil {
		return nil, err
	}
	defer arr.Release()
	return compute.NewDatum(arr), nil
}

// computed evaluates the expressions that ember's own kernels implement.
func (ev *Evaluator) computed(e plan.Expr, b arrow.RecordBatch) (arrow.Array, error) {
	switch e := e.(type) {
	case *plan.CaseWhen:
		return ev.caseWhen(e, b)
	case *plan.Concat:
		return ev.concat(e, b)
	case *plan.MonotonicID:
		return monotonicIDs(ev.mem, ev.partition, ev.rowOffset, int(b.NumRows())), nil
	case *plan.GetField:
		c, err := ev.Array(e.Child, b)
		if err != nil {
			return nil, err
		}
		defer c.Release()
		return structField(ev.mem, c.(*array.Struct), e.Index()), nil
	case *plan.Builtin:
		return ev.builtin(e, b)
	case *plan.Call:
		return ev.call(e, b)
	case *plan.BatchCall:
		return nil, fmt.Errorf("exec: %s must run in an Evaluate node (build projections and filters that call it with plan.Projection and plan.Selection)", e.Fn.Name())
	}
	return nil, fmt.Errorf("exec: cannot evaluate %T (%s)", e, e)
}

// Arrays evaluates each of exprs over b, like Array. On error it releases
// what it computed; otherwise the caller releases the results
// (ReleaseArrays).
func (ev *Evaluator) Arrays(exprs []plan.Expr, b arrow.RecordBatch) ([]arrow.Array, error) {
	out := make([]arrow.Array, 0, len(exprs))
	for _, x := range exprs {
		a, err := ev.Array(x, b)
		if err != nil {
			ReleaseArrays(out)
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ReleaseArrays releases every array of arrs that is not nil.
func ReleaseArrays(arrs []arrow.Array) {
	for _, a := range arrs {
		if a != nil {
			a.Release()
		}
	}
}

var binaryKernels = map[plan.BinaryOp]string{
	// Integer arithmetic is checked: an overflow is an error naming the
	// expression (ANSI SQL, Spark 4's default), never a wrapped value.
	plan.OpAdd: "add", plan.OpSub: "sub", plan.OpMul: "multiply",
	plan.OpEq: "equal", plan.OpNeq: "not_equal", plan.OpLt: "less", plan.OpLe: "less_equal",
	plan.OpGt: "greater", plan.OpGe: "greater_equal", plan.OpAnd: "and_kleene", plan.OpOr: "or_kleene",
}

func (ev *Evaluator) binary(e *plan.Binary, b arrow.RecordBatch) (compute.Datum, error) {
	if name, ok := binaryKernels[e.Op]; ok {
		l, err := ev.datum(e.Left, b)
		if err != nil {
			return nil, err
		}
		defer l.Release()
		r, err := ev.datum(e.Right, b)
		if err != nil {
			return nil, err
		}
		defer r.Release()
		if out, ok := ev.compareStringConstant(e.Op, l, r); ok {
			return out, nil
		}
		out, err := compute.CallFunction(ev.ctx, name, nil, l, r)
		if err != nil {
			return nil, arithmeticError(e, e.Type(), err)
		}
		return out, nil
	}
	args, err := ev.Arrays([]plan.Expr{e.Left, e.Right}, b)
	if err != nil {
		return nil, err
	}
	defer ReleaseArrays(args)
	var out arrow.Array
	switch e.Op {
	case plan.OpDiv, plan.OpMod:
		out, err = divide(ev.mem, e.Op, args[0], args[1])
	case plan.OpEqNullSafe:
		out, err = eqNullSafe(ev.ctx, ev.mem, args[0], args[1])
	case plan.OpContains:
		out = containsStrings(ev.mem, args[0].(*array.String), args[1].(*array.String))
	default:
		err = fmt.Errorf("exec: unknown operator %s", e.Op)
	}
	if err != nil {
		return nil, err
	}
	defer out.Release()
	return compute.NewDatum(out), nil
}

// arithmeticError names the expression whose kernel failed, and says
// what to do about an integer overflow.
func arithmeticError(e plan.Expr, t arrow.DataType, err error) error {
	if strings.Contains(err.Error(), "overflow") {
		return fmt.Errorf("exec: %s: integer overflow: the result does not fit in %s (cast an operand to a wider type or to double first): %w", e, t, err)
	}
	return fmt.Errorf("exec: %s: %w", e, err)
}

var unaryKernels = map[plan.UnaryOp]string{
	plan.OpNegate: "negate",
}

func (ev *Evaluator) unary(e *plan.Unary, b arrow.RecordBatch) (compute.Datum, error) {
	if name, ok := unaryKernels[e.Op]; ok {
		c, err := ev.datum(e.Child, b)
		if err != nil {
			return nil, err
		}
		defer c.Release()
		out, err := compute.CallFunction(ev.ctx, name, nil, c)
		if err != nil {
			return nil, arithmeticError(e, e.Type(), err)
		}
		return out, nil
	}
	c, err := ev.Array(e.Child, b)
	if err != nil {
		return nil, err
	}
	defer c.Release()
	var out arrow.Array
	switch e.Op {
	case plan.OpIsNull, plan.OpIsNotNull:
		out = nullTest(ev.mem, c, e.Op == plan.OpIsNull)
	case plan.OpNot:
		out = not(ev.mem, c.(*array.Boolean))
	default:
		out = stringFunction(ev.mem, e.Op, c.(*array.String))
	}
	defer out.Release()
	return compute.NewDatum(out), nil
}

func (ev *Evaluator) cast(e *plan.Cast, b arrow.RecordBatch) (compute.Datum, error) {
	c, err := ev.Array(e.Child, b)
	if err != nil {
		return nil, err
	}
	defer c.Release()
	out, err := castArray(ev.ctx, c, e.To)
	if err != nil {
		return nil, fmt.Errorf("exec: %s: %w", e, err)
	}
	defer out.Release()
	return compute.NewDatum(out), nil
}

// call invokes a user-defined function, turning a panic into an error that
// names it.
func (ev *Evaluator) call(e *plan.Call, b arrow.RecordBatch) (out arrow.Array, err error) {
	args, err := ev.Arrays(e.Args, b)
	if err != nil {
		return nil, err
	}
	defer ReleaseArrays(args)
	defer func() {
		if r := recover(); r != nil {
			err = plan.Recovered(fmt.Sprintf("exec: function %s in partition %d", e.Fn.Name(), ev.partition), r)
		}
	}()
	out, err = e.Fn.Invoke(ev.ctx, args, int(b.NumRows()))
	if err != nil {
		return nil, fmt.Errorf("exec: function %s in partition %d: %w", e.Fn.Name(), ev.partition, err)
	}
	if out == nil {
		return nil, fmt.Errorf("exec: function %s in partition %d returned neither values nor an error (nil, nil) for %d rows", e.Fn.Name(), ev.partition, b.NumRows())
	}
	if out.Len() != int(b.NumRows()) || !arrow.TypeEqual(out.DataType(), e.Type()) {
		defer out.Release()
		return nil, fmt.Errorf("exec: function %s returned %d values of type %s, want %d of type %s",
			e.Fn.Name(), out.Len(), out.DataType(), b.NumRows(), e.Type())
	}
	return out, nil
}

// literalScalar converts a resolved literal into an Arrow scalar.
func literalScalar(l *plan.Literal) (scalar.Scalar, error) {
	t := l.Type()
	if l.Value == nil {
		return scalar.MakeNullScalar(t), nil
	}
	switch v := l.Value.(type) {
	case bool:
		return scalar.NewBooleanScalar(v), nil
	case string:
		return scalar.NewStringScalar(v), nil
	case []byte:
		return scalar.MakeScalarParam(v, t)
	case float64:
		switch t.ID() {
		case arrow.FLOAT32:
			return scalar.NewFloat32Scalar(float32(v)), nil
		case arrow.FLOAT64:
			return scalar.NewFloat64Scalar(v), nil
		}
	case int64:
		switch t.ID() {
		case arrow.INT8:
			return scalar.NewInt8Scalar(int8(v)), nil
		case arrow.INT16:
			return scalar.NewInt16Scalar(int16(v)), nil
		case arrow.INT32:
			return scalar.NewInt32Scalar(int32(v)), nil
		case arrow.INT64:
			return scalar.NewInt64Scalar(v), nil
		case arrow.DATE32:
			return scalar.NewDate32Scalar(arrow.Date32(v)), nil
		case arrow.TIMESTAMP:
			return scalar.NewTimestampScalar(arrow.Timestamp(v), t), nil
		}
	case uint64:
		switch t.ID() {
		case arrow.UINT8:
			return scalar.NewUint8Scalar(uint8(v)), nil
		case arrow.UINT16:
			return scalar.NewUint16Scalar(uint16(v)), nil
		case arrow.UINT32:
			return scalar.NewUint32Scalar(uint32(v)), nil
		case arrow.UINT64:
			return scalar.NewUint64Scalar(v), nil
		}
	}
	return nil, fmt.Errorf("exec: literal %s: value of Go type %T does not fit type %s", l, l.Value, t)
}

// structField returns field i of a struct array, with the struct's own
// NULLs applied.
func structField(mem memory.Allocator, s *array.Struct, i int) arrow.Array {
	f := s.Field(i)
	if s.NullN() == 0 {
		return array.NewSlice(f, 0, int64(f.Len()))
	}
	d := f.Data()
	buffers := append([]*memory.Buffer(nil), d.Buffers()...)
	validity := memory.NewResizableBuffer(mem)
	validity.Resize(int(bitutil.BytesForBits(int64(d.Offset() + s.Len()))))
	bits := validity.Bytes()
	for r := range s.Len() {
		bitutil.SetBitTo(bits, d.Offset()+r, s.IsValid(r) && f.IsValid(r))
	}
	buffers[0] = validity
	out := array.NewData(d.DataType(), d.Len(), buffers, d.Children(), array.UnknownNullCount, d.Offset())
	validity.Release()
	defer out.Release()
	return array.MakeFromData(out)
}
