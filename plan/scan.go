package plan

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
)

// Scan reads a Source. It is always a leaf.
type Scan struct {
	Source Source
}

func (s *Scan) Schema() *arrow.Schema             { return s.Source.Schema() }
func (s *Scan) Children() []Node                  { return nil }
func (s *Scan) WithChildren([]Node) (Node, error) { return s, nil }
func (s *Scan) String() string                    { return fmt.Sprintf("Scan %s", s.Source) }
