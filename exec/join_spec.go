package exec

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/eval"
	"github.com/ember-df/ember/plan"
)

// joinSpec is what the tasks of one join share.
//
// Inside the join, rows are paired by position: a pair batch has the
// left input's columns then the right's, under names of their own (_l0…,
// _r0…, the pair schema), so that columns both inputs call custkey stay
// apart; the residual condition is resolved against it, and output
// batches are assembled from it under the logical plan's schema.
type joinSpec struct {
	job      *job
	typ      plan.JoinType
	strategy string
	// label is the EXPLAIN line, which budget errors quote.
	label     string
	buildLeft bool
	// leftKeys and rightKeys are the equi-join keys over the left and
	// right children's schemas, of equal types pairwise; none for a
	// nested loop. nullSafe[i] is set for a <=> key.
	leftKeys, rightKeys []plan.Expr
	nullSafe            []bool
	pair                *arrow.Schema
	nleft               int
	residual            plan.Expr // over pair; nil for none
	output              *arrow.Schema
	// outCols make each output column from a pair batch; nil when the
	// output is the pair's columns in order (the left's alone for semi
	// and anti joins).
	outCols []outCol
	// shared is set for a broadcast build side that several partitions
	// read: the job builds its table once.
	shared *sharedTable
}

// outCol is one output column: column col of the pair, or expr over it.
type outCol struct {
	col  int
	expr plan.Expr
}

func (s *joinSpec) probeKeys() []plan.Expr {
	if s.buildLeft {
		return s.rightKeys
	}
	return s.leftKeys
}

func (s *joinSpec) buildKeys() []plan.Expr {
	if s.buildLeft {
		return s.leftKeys
	}
	return s.rightKeys
}

// keepsProbe reports whether probe rows nothing matched are output.
func (s *joinSpec) keepsProbe() bool {
	if s.buildLeft {
		return s.typ == plan.RightOuterJoin || s.typ == plan.FullOuterJoin
	}
	return s.typ == plan.LeftOuterJoin || s.typ == plan.FullOuterJoin
}

// keepsBuild reports whether build rows nothing matched are output.
func (s *joinSpec) keepsBuild() bool {
	if s.buildLeft {
		return s.typ == plan.LeftOuterJoin || s.typ == plan.FullOuterJoin
	}
	return s.typ == plan.RightOuterJoin || s.typ == plan.FullOuterJoin
}

// buildSchemas works out the pair schema, the residual over it, and how
// output columns are made (ls and rs are the children's schemas).
func (s *joinSpec) buildSchemas(j *plan.Join, ls, rs *arrow.Schema, residual plan.Expr) error {
	s.nleft = ls.NumFields()
	fields := make([]arrow.Field, 0, ls.NumFields()+rs.NumFields())
	for i, f := range ls.Fields() {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("_l%d", i), Type: f.Type, Nullable: true})
	}
	for i, f := range rs.Fields() {
		fields = append(fields, arrow.Field{Name: fmt.Sprintf("_r%d", i), Type: f.Type, Nullable: true})
	}
	s.pair = arrow.NewSchema(fields, nil)
	identity := func(i int) int { return i }
	if residual != nil {
		r, err := plan.RebindColumns(residual, j.Combined(), s.pair, identity)
		if err != nil {
			return fmt.Errorf("exec: join condition %s: %w", residual, err)
		}
		s.residual = r
	}
	plain := true
	for i, o := range j.Outputs() {
		c := outCol{col: o.Left}
		switch {
		case o.Left >= 0 && o.Right >= 0 && j.Type == plan.RightOuterJoin:
			c.col = s.nleft + o.Right
		case o.Left >= 0 && o.Right >= 0 && j.Type == plan.FullOuterJoin:
			// The first non-NULL of the two keys, in their common type.
			t := s.output.Field(i).Type
			l, r := plan.Expr(plan.Col(s.pair.Field(o.Left).Name)), plan.Expr(plan.Col(s.pair.Field(s.nleft+o.Right).Name))
			value := func(e plan.Expr, from arrow.DataType) plan.Expr {
				if arrow.TypeEqual(from, t) {
					return e
				}
				return &plan.Cast{Child: e, To: t}
			}
			e := &plan.CaseWhen{
				Branches: []plan.When{{Cond: plan.NewUnary(plan.OpIsNotNull, l), Value: value(l, ls.Field(o.Left).Type)}},
				Else:     value(r, rs.Field(o.Right).Type),
			}
			x, err := e.Resolve(s.pair)
			if err != nil {
				return fmt.Errorf("exec: join key %s: %w", s.output.Field(i).Name, err)
			}
			c = outCol{col: -1, expr: x}
		case o.Left < 0:
			c.col = s.nleft + o.Right
		}
		plain = plain && c.col == i
		s.outCols = append(s.outCols, c)
	}
	width := s.pair.NumFields()
	if s.typ.LeftOnly() {
		width = s.nleft
	}
	if plain && len(s.outCols) == width {
		s.outCols = nil
	}
	return nil
}

// assemble makes an output batch from pair, a batch of the pair schema
// (of its left columns alone for semi and anti joins); the caller
// releases both.
func (s *joinSpec) assemble(ev *eval.Evaluator, pair arrow.RecordBatch) (arrow.RecordBatch, error) {
	if s.outCols == nil {
		return array.NewRecordBatch(s.output, pair.Columns(), pair.NumRows()), nil
	}
	cols := make([]arrow.Array, len(s.outCols))
	defer eval.ReleaseArrays(cols)
	for i, c := range s.outCols {
		if c.expr == nil {
			cols[i] = pair.Column(c.col)
			cols[i].Retain()
			continue
		}
		a, err := ev.Array(c.expr, pair)
		if err != nil {
			return nil, err
		}
		cols[i] = a
	}
	return array.NewRecordBatch(s.output, cols, pair.NumRows()), nil
}

// takeColumns gathers rows idx of cols (-1: a NULL row) into new arrays,
// which the caller releases. NULL rows of an empty side are NULL arrays.
func takeColumns(ctx context.Context, mem memory.Allocator, fields []arrow.Field, cols []arrow.Array, idx []int32) ([]arrow.Array, error) {
	out := make([]arrow.Array, len(fields))
	if len(fields) == 0 {
		return out, nil
	}
	nulls := 0
	for _, i := range idx {
		if i < 0 {
			nulls++
		}
	}
	if nulls == len(idx) || cols == nil {
		for k, f := range fields {
			out[k] = array.MakeArrayOfNull(mem, f.Type, len(idx))
		}
		return out, nil
	}
	if identity(idx, cols[0].Len()) {
		for k, c := range cols {
			c.Retain()
			out[k] = c
		}
		return out, nil
	}
	var rest []int // columns joinTake does not gather
	for k, c := range cols {
		if t, ok := joinTake(mem, c, idx); ok {
			out[k] = t
		} else {
			rest = append(rest, k)
		}
	}
	if len(rest) == 0 {
		return out, nil
	}
	ib := array.NewInt32Builder(mem)
	defer ib.Release()
	ib.Reserve(len(idx))
	for _, i := range idx {
		if i < 0 {
			ib.UnsafeAppendBoolToBitmap(false)
		} else {
			ib.UnsafeAppend(i)
		}
	}
	indices := ib.NewArray()
	defer indices.Release()
	for _, k := range rest {
		t, err := compute.TakeArray(ctx, cols[k], indices)
		if err != nil {
			eval.ReleaseArrays(out)
			return nil, err
		}
		out[k] = t
	}
	return out, nil
}

// identity reports whether idx is 0, 1, …, n-1.
func identity(idx []int32, n int) bool {
	if len(idx) != n {
		return false
	}
	for i, x := range idx {
		if int(x) != i {
			return false
		}
	}
	return true
}
