package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// BroadcastHint is the name of the hint that asks for an input of a join
// to be broadcast (frame.Broadcast, Spark's broadcast(df)).
const BroadcastHint = "broadcast"

// AliasHint is the name of the hint that qualifies its input's columns
// with a name (frame's df.Alias, Spark's df.alias; see NewAlias).
const AliasHint = "alias"

// Hint marks its input for the planner, as Spark's hints do: a join over
// an input marked BroadcastHint broadcasts that input whatever its
// estimated size (when the join type allows). An AliasHint qualifies
// the input's columns with Alias, for references such as "a.x". It
// changes nothing else: the executor passes its input through.
type Hint struct {
	Input Node
	Name  string
	// Alias is an AliasHint's qualifier.
	Alias  string
	schema *arrow.Schema // an AliasHint's: the input's, qualified
}

// NewHint marks input with the hint name (only BroadcastHint exists).
func NewHint(input Node, name string) (*Hint, error) {
	if name != BroadcastHint {
		return nil, fmt.Errorf("plan: unknown hint %q (valid: %s)", name, BroadcastHint)
	}
	return &Hint{Input: input, Name: name}, nil
}

func (h *Hint) Schema() *arrow.Schema {
	if h.schema != nil {
		return h.schema
	}
	return h.Input.Schema()
}

func (h *Hint) Children() []Node { return []Node{h.Input} }

func (h *Hint) String() string {
	if h.Name == AliasHint {
		return "Hint alias " + h.Alias
	}
	return "Hint " + h.Name
}

// WithChildren implements Node.
func (h *Hint) WithChildren(c []Node) (Node, error) {
	if h.Name == AliasHint {
		return NewAlias(c[0], h.Alias)
	}
	return &Hint{Input: c[0], Name: h.Name}, nil
}

// BroadcastHinted reports whether n carries a broadcast hint: a Hint node
// at n or below it through nodes of one input (a filter or a projection
// of the hinted DataFrame keeps the hint, as in Spark), stopping at joins
// and other nodes of several inputs.
func BroadcastHinted(n Node) bool {
	for n != nil {
		if h, ok := n.(*Hint); ok && h.Name == BroadcastHint {
			return true
		}
		cs := n.Children()
		if len(cs) != 1 {
			return false
		}
		n = cs[0]
	}
	return false
}
