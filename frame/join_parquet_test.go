package frame_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/frame"
)

// TestJoinBroadcastsSmallParquet: a Parquet input estimates its size from
// its footers, so a join broadcasts the small side under the threshold and
// shuffles both when the threshold is below it.
func TestJoinBroadcastsSmallParquet(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	writer := frame.NewSession()
	defer writer.Close()
	big, small := filepath.Join(dir, "big"), filepath.Join(dir, "small")
	if err := writer.Range(200000).WithColumn("k", frame.Col("id").Mod(frame.Lit(int64(100)))).Write().Parquet(ctx, big); err != nil {
		t.Fatal(err)
	}
	if err := writer.Range(100).WithColumnRenamed("id", "k").Write().Parquet(ctx, small); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		threshold int64
		want      string
	}{
		{10 << 20, "BroadcastHashJoinExec"},
		{100, "ShuffledHashJoinExec"},
	} {
		sess := frame.NewSession(frame.WithBroadcastThreshold(c.threshold))
		j := sess.Read().Parquet(big).Join(sess.Read().Parquet(small), "k", "inner")
		if plan := j.Explain(); !strings.Contains(plan, c.want) {
			t.Errorf("threshold %d: no %s in\n%s", c.threshold, c.want, plan)
		}
		n, err := j.Count(ctx)
		if err != nil || n != 200000 {
			t.Errorf("threshold %d: %d rows, %v", c.threshold, n, err)
		}
		sess.Close()
	}
}
