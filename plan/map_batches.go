package plan

import (
	"context"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// BatchFunc transforms one batch into another. The input batch is borrowed
// for the duration of the call; the returned batch belongs to the caller,
// who releases it (return the input after Retain to pass it through). It
// may be called concurrently from several partitions.
type BatchFunc func(ctx context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error)

// MapBatches applies a Go function to every batch: the escape hatch for
// logic expressions cannot state. OutSchema is declared, not discovered:
// the executor checks each result against it.
type MapBatches struct {
	Input     Node
	Name      string
	Fn        BatchFunc
	OutSchema *arrow.Schema
}

func (m *MapBatches) Schema() *arrow.Schema { return m.OutSchema }
func (m *MapBatches) Children() []Node      { return []Node{m.Input} }
func (m *MapBatches) String() string {
	return fmt.Sprintf("MapBatches %s -> %s", m.Name, fieldNames(m.OutSchema))
}
func (m *MapBatches) WithChildren(c []Node) (Node, error) {
	out := *m
	out.Input = c[0]
	return &out, nil
}

func fieldNames(s *arrow.Schema) string {
	exprs := make([]Expr, s.NumFields())
	for i, f := range s.Fields() {
		exprs[i] = &Column{Name: f.Name}
	}
	return FormatExprs(exprs)
}
