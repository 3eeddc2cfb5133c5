package plan

import (
	"fmt"
	"slices"
	"strings"

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
// part file of Format under Path, committed atomically. With PartitionBy,
// rows go to Hive-style directories by the values of those columns
// (col=value/part-…), which the files then leave out.
type Write struct {
	Input       Node
	Format      FileFormat
	Path        string
	Mode        SaveMode
	PartitionBy []string
	// Job, when set, names the write job (1 to 64 letters, digits and
	// '-'): its tasks record what they commit, so that the same write run
	// again with the same Job after a failure or a kill computes only the
	// partitions whose tasks had not committed, and does nothing once the
	// job has committed (exec.Write).
	Job string
	// NoSync skips flushing the committed files and directories to
	// stable storage (fsync), for scratch data: a process crash still
	// leaves the old or the new dataset, but a power loss or kernel
	// crash soon after the commit may lose the new one.
	NoSync bool
}

func (w *Write) Schema() *arrow.Schema { return w.Input.Schema() }
func (w *Write) Children() []Node      { return []Node{w.Input} }
func (w *Write) String() string {
	s := fmt.Sprintf("Write %s %q, mode %s", w.Format.Name(), w.Path, w.Mode)
	if len(w.PartitionBy) > 0 {
		s += fmt.Sprintf(", partitioned by %v", w.PartitionBy)
	}
	return s
}

// CheckColumns verifies that the columns to write have distinct names, as
// Spark does ("Found duplicate column(s)"): a join's output keeps both
// inputs' columns of one name, and files with two columns of a name read
// back wrong (a JSON object keeps one of its keys) or not at all.
func (w *Write) CheckColumns() error {
	schema := w.Input.Schema()
	seen := map[string]bool{}
	var dups []string
	for _, f := range schema.Fields() {
		if seen[f.Name] && !slices.Contains(dups, f.Name) {
			dups = append(dups, f.Name)
		}
		seen[f.Name] = true
	}
	if len(dups) > 0 {
		return fmt.Errorf("plan: the data to write has duplicate column names (%s): select or rename them first (df.Col(name).As(other))", strings.Join(dups, ", "))
	}
	return nil
}

// CheckPartitionBy verifies that the partition columns exist and that at
// least one column is left for the files.
func (w *Write) CheckPartitionBy() error {
	schema := w.Input.Schema()
	for _, c := range w.PartitionBy {
		if _, err := FieldIndex(schema, c); err != nil {
			return err
		}
	}
	if len(w.PartitionBy) > 0 && len(w.PartitionBy) >= schema.NumFields() {
		return fmt.Errorf("plan: partitioning by every column (%v) leaves nothing to write", w.PartitionBy)
	}
	return nil
}
func (w *Write) WithChildren(c []Node) (Node, error) {
	out := *w
	out.Input = c[0]
	return &out, nil
}
