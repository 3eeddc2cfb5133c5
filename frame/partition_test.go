package frame_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec/commit"
	"github.com/ember-df/ember/frame"
)

// TestPartitionBy writes Hive-style directories and reads them back, in
// every format: the partition columns return (after the others), NULL
// and odd values survive, and filters on them skip directories.
func TestPartitionBy(t *testing.T) {
	ctx := context.Background()
	for _, format := range []string{"csv", "parquet", "json", "arrow"} {
		t.Run(format, func(t *testing.T) {
			mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
			defer mem.AssertSize(t, 0)
			sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
			defer sess.Close()
			df := readPeople(sess).WithColumn("tag", frame.When(frame.Col("id").Eq(7), "a/b=c%").Otherwise("x"))
			out := filepath.Join(t.TempDir(), "out")
			w := df.Write().PartitionBy("dept", "tag")
			var err error
			switch format {
			case "csv":
				err = w.Option("header", "true").CSV(ctx, out)
			case "parquet":
				err = w.Parquet(ctx, out)
			case "json":
				err = w.JSON(ctx, out)
			case "arrow":
				err = w.Arrow(ctx, out)
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, dir := range []string{"dept=eng/tag=x", "dept=ops/tag=x", "dept=__HIVE_DEFAULT_PARTITION__/tag=x",
				"dept=__HIVE_DEFAULT_PARTITION__/tag=a%2Fb%3Dc%25"} {
				if _, err := os.Stat(filepath.Join(out, dir)); err != nil {
					t.Fatalf("missing directory %s: %v", dir, err)
				}
			}
			m, err := commit.ReadManifest(out)
			if err != nil || m.Rows != 7 || !slices.Equal(m.PartitionBy, []string{"dept", "tag"}) {
				t.Fatalf("manifest %+v, %v", m, err)
			}
			read := func() *frame.DataFrame {
				switch format {
				case "csv":
					return sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(out)
				case "json":
					return sess.Read().JSON(out)
				case "arrow":
					return sess.Read().Arrow(out)
				}
				return sess.Read().Parquet(out)
			}
			back := read()
			if got := strings.Join(back.Columns(), ","); got != "id,name,age,score,dept,tag" {
				t.Fatalf("columns %s", got)
			}
			want := collectRows(t, df.Select("id", "name", "age", "score", "dept", "tag"))
			got := collectRows(t, back)
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Fatalf("read back\n%v\nwant\n%v", got, want)
			}
			// A filter on a partition column reads only its directory.
			eng := back.Filter(frame.Col("dept").Eq("eng"))
			if n, err := eng.Count(ctx); err != nil || n != 3 {
				t.Fatalf("eng: %d, %v", n, err)
			}
			if read := sess.LastMetrics().RowsRead; read != 3 {
				t.Fatalf("read %d rows for dept=eng, want 3", read)
			}
			if !strings.Contains(eng.Explain(), "1 of 4 directories") {
				t.Fatal(eng.Explain())
			}
			// Only partition columns: the files' columns are not read.
			if got := collectRows(t, back.Select("dept").Distinct()); len(got) != 3 {
				t.Fatalf("distinct depts %v", got)
			}
		})
	}
}
