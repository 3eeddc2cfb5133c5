package imageio_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/ember-df/ember/io/imageio"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/plan"
)

func TestSourceBackends(t *testing.T) {
	open := func(paths []string) (plan.Source, error) {
		src, err := imageio.NewSource(paths, imageio.SourceOptions{Partitions: 2})
		if err != nil {
			return nil, err
		}
		// Paths differ from one filesystem to another; the rest may not.
		return src.Project([]string{"format", "width", "height", "size", "bytes"})
	}
	sourcetest.CheckBackends(t, "a.png", encodePNG(t, 5, 3, 1), open)
	sourcetest.CheckBackends(t, "b.jpg", encodeJPEG(t, 4, 6), open)
}

// TestTensorReadsAnyFilesystem decodes images named by mem:// paths —
// listed in a CSV file that is in mem:// too — and by names relative to
// a mem:// BaseDir.
func TestTensorReadsAnyFilesystem(t *testing.T) {
	dir := sourcetest.MemDir(t)
	var csv, rel strings.Builder
	csv.WriteString("img_path\n")
	rel.WriteString("img_path\n")
	for i := range 4 {
		name := fmt.Sprintf("img/%d.png", i)
		csv.WriteString(sourcetest.WriteFile(t, dir, name, encodePNG(t, 8+i, 6, uint64(i))) + "\n")
		rel.WriteString(name + "\n")
	}
	csv.WriteString(dir + "/img/missing.png\n")
	sess := checkedSession(t)
	steps := []imageio.Step{imageio.Resize(3, 3, imageio.Bilinear), imageio.Scale(1.0 / 255)}
	for what, expr := range map[string]*imageio.TensorExpr{
		"absolute": imageio.Tensor("img_path", steps...).OnErrorNull("error"),
		"relative": imageio.Tensor("img_path", steps...).BaseDir(dir).OnErrorNull("error"),
	} {
		list := csv.String()
		if what == "relative" {
			list = rel.String()
		}
		df := sess.Read().Option("header", "true").CSV(sourcetest.WriteFile(t, dir, what+".csv", []byte(list))).
			WithColumn("t", expr)
		tbl, err := df.Collect(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		nulls := 0
		for _, chunk := range tbl.Column(1).Data().Chunks() {
			nulls += chunk.(*array.FixedSizeList).NullN()
		}
		if want := map[string]int{"absolute": 1, "relative": 0}[what]; nulls != want || tbl.NumRows() != int64(4+want) {
			t.Errorf("%s: %d rows, %d not decoded; want %d, %d", what, tbl.NumRows(), nulls, 4+want, want)
		}
		tbl.Release()
	}
}
