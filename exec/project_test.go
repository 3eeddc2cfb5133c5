package exec

import (
	"context"
	"strings"
	"testing"

	"github.com/ember-df/ember/exec/internal/exectest"
	"github.com/ember-df/ember/plan"
)

// TestMonotonicIDAcrossBatchesAndPartitions: ids put the partition in the
// upper bits and count rows within the partition across batches, in a
// projection and in a filter alike.
func TestMonotonicIDAcrossBatchesAndPartitions(t *testing.T) {
	for _, batchRows := range []int{1, 2, 0} {
		mem := exectest.CheckedAlloc(t)
		src := &exectest.ScriptSource{Parts: 2, Batches: 2, Rows: 3}
		proj := exectest.Must(plan.NewProject(src.Scan(), plan.Col("v"), &plan.Alias{Child: &plan.MonotonicID{}, Name: "id"}))
		sink, err := run(t, context.Background(), mem, batchRows, proj)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{"0|0", "1|1", "2|2", "3|3", "4|4", "5|5",
			"1000|8589934592", "1001|8589934593", "1002|8589934594", "1003|8589934595", "1004|8589934596", "1005|8589934597"}
		if got := sink.All(); strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("batch rows %d: %v", batchRows, got)
		}
		// A filter numbers the rows of its input.
		odd := exectest.Must(plan.NewFilter(src.Scan(), plan.NewBinary(plan.OpEq,
			plan.NewBinary(plan.OpMod, &plan.MonotonicID{}, plan.Lit(2)), plan.Lit(1))))
		sink, err = run(t, context.Background(), mem, batchRows, odd)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(sink.All(), ","); got != "1,3,5,1001,1003,1005" {
			t.Errorf("batch rows %d: odd ids kept %s", batchRows, got)
		}
	}
}
