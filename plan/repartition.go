package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Repartition redistributes rows into N partitions: round-robin when Keys
// is empty, by a hash of the key values otherwise (equal keys land in the
// same partition).
type Repartition struct {
	Input Node
	N     int
	Keys  []Expr
}

// NewRepartition resolves the keys against the input's schema.
func NewRepartition(input Node, n int, keys ...Expr) (*Repartition, error) {
	if n < 1 {
		return nil, fmt.Errorf("plan: repartition into %d partitions: need at least 1", n)
	}
	resolved, err := resolveAll(keys, input.Schema())
	if err != nil {
		return nil, err
	}
	for _, k := range resolved {
		if !Hashable(k.Type()) {
			return nil, typeError("cannot hash-partition by %s of type %s", k, k.Type())
		}
	}
	return &Repartition{Input: input, N: n, Keys: resolved}, nil
}

func (r *Repartition) Schema() *arrow.Schema { return r.Input.Schema() }
func (r *Repartition) Children() []Node      { return []Node{r.Input} }

func (r *Repartition) String() string {
	if len(r.Keys) == 0 {
		return fmt.Sprintf("Repartition %d, round-robin", r.N)
	}
	return fmt.Sprintf("Repartition %d, hash %s", r.N, FormatExprs(r.Keys))
}

// WithChildren implements Node.
func (r *Repartition) WithChildren(c []Node) (Node, error) {
	return NewRepartition(c[0], r.N, r.Keys...)
}

// Coalesce merges partitions into at most N without moving rows between
// them: output partition i reads a contiguous range of input partitions.
type Coalesce struct {
	Input Node
	N     int
}

func (c *Coalesce) Schema() *arrow.Schema { return c.Input.Schema() }
func (c *Coalesce) Children() []Node      { return []Node{c.Input} }
func (c *Coalesce) String() string        { return fmt.Sprintf("Coalesce %d", c.N) }
func (c *Coalesce) WithChildren(x []Node) (Node, error) {
	return &Coalesce{Input: x[0], N: c.N}, nil
}
