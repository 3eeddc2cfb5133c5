package frame_test

import (
	"context"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/shared"
)

// TestNewsgroupsPosts reads real Usenet posts: quoted fields full of
// newlines, commas and quotes. Whatever the split size, every post is
// read whole and the same.
func TestNewsgroupsPosts(t *testing.T) {
	path := shared.Path(t, "data/newsgroups_posts.csv")
	ctx := context.Background()
	var first []string
	for _, split := range []string{"134217728", "65536", "4096"} {
		mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
		sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
		df := sess.Read().Option("header", "true").Option("mode", "FAILFAST").Option("maxPartitionBytes", split).CSV(path)
		n, err := df.Count(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n != 1192 {
			t.Fatalf("split %s: %d posts, want 1192", split, n)
		}
		rows := collectRows(t, df.Select(frame.Col("subject"), frame.Col("body").Length().As("chars")))
		if first == nil {
			first = rows
		} else if !slices.Equal(first, rows) {
			t.Fatalf("split %s reads different posts", split)
		}
		sess.Close()
		mem.AssertSize(t, 0)
	}
	sess := frame.NewSession()
	defer sess.Close()
	df := sess.Read().Option("header", "true").CSV(path)
	multi, err := df.Filter(frame.Col("body").Contains("\n")).Count(ctx)
	if err != nil || multi < 1000 {
		t.Fatalf("%d multi-line posts, %v", multi, err)
	}
}
