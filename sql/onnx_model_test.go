package sql_test

import (
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
	"github.com/ember-df/ember/udf/onnx/onnxtest"
)

// TestRealModelFromSQL registers the shared newsgroups text classifier
// (TF-IDF + logistic regression, string input [N,2]) and calls it from
// SQL over 1192 real posts, grouped by its label: the counts equal those
// of the same model applied with the DataFrame API, and both classes
// come out in realistic shares. Skips without ONNX Runtime or ../shared;
// fails then under CI=true.
func TestRealModelFromSQL(t *testing.T) {
	onnxtest.RequireRuntime(t)
	modelPath := shared.Path(t, "models/newsgroups_autos_vs_motorcycles/model.onnx")
	postsPath := shared.Path(t, "data/newsgroups_posts.csv")
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem), frame.WithParallelism(2))
	defer sess.Close()
	model, err := onnx.Load(modelPath, onnx.WithOutputs("output_label"))
	if err != nil {
		t.Fatal(err)
	}
	defer udf.Unload(model)

	posts := sess.Read().Option("header", "true").CSV(postsPath)
	if err := posts.CreateOrReplaceTempView("posts"); err != nil {
		t.Fatal(err)
	}
	if err := sess.RegisterModel("newsgroup", model); err != nil {
		t.Fatal(err)
	}
	// 36 posts have an empty body, which CSV reads as NULL; the model
	// needs a value.
	viaSQL := counts(t, sess.SQL(`
		SELECT newsgroup(subject, coalesce(body, '')) AS label, count(*) AS n
		FROM posts GROUP BY 1 ORDER BY label`))
	body := frame.When(frame.Col("body").IsNull(), "").Otherwise(frame.Col("body"))
	viaAPI := counts(t, posts.WithColumn("label", udf.Predict(model, "subject", body)).GroupBy("label").Count().OrderBy("label"))
	if !slices.Equal(viaSQL, viaAPI) {
		t.Fatalf("SQL counts %v, DataFrame API counts %v", viaSQL, viaAPI)
	}
	t.Logf("posts by label (0 autos, 1 motorcycles): %v", viaSQL)
	if len(viaSQL) != 2 || viaSQL[0]+viaSQL[1] != 1192 || viaSQL[0] < 300 || viaSQL[1] < 300 {
		t.Fatalf("label counts %v: want both classes (autos 0, motorcycles 1) among 1192 posts", viaSQL)
	}
}

// counts collects the second column (int64 counts) of a two-column
// result.
func counts(t *testing.T, df *frame.DataFrame) []int64 {
	t.Helper()
	tbl, err := df.Collect(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	var out []int64
	for _, c := range tbl.Column(1).Data().Chunks() {
		out = append(out, c.(*array.Int64).Int64Values()...)
	}
	return out
}
