package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// SaveMode says what a write does when its destination already exists.
type SaveMode int

// The save modes, as Spark names them.
const (
	// ErrorIfExists fails the write when the destination exists.
	ErrorIfExists SaveMode = iota
	// Overwrite replaces the destination's contents.
	Overwrite
	// Append adds part files next to the existing ones.
	Append
	// Ignore does nothing when the destination exists.
	Ignore
)

func (m SaveMode) String() string {
	return [...]string{"ErrorIfExists", "Overwrite", "Append", "Ignore"}[m]
}

// Write is the root of a write job: every partition of Input becomes one
// part file of Format under Path, committed atomically.
type Write struct {
	Input  Node
	Format FileFormat
	Path   string
	Mode   SaveMode
}

func (w *Write) Schema() *arrow.Schema { return w.Input.Schema() }
func (w *Write) Children() []Node      { return []Node{w.Input} }
func (w *Write) String() string {
	return fmt.Sprintf("Write %s %q, mode %s", w.Format.Name(), w.Path, w.Mode)
}
func (w *Write) WithChildren(c []Node) (Node, error) {
	out := *w
	out.Input = c[0]
	return &out, nil
}
