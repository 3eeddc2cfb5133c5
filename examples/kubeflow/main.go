// Command kubeflow saves seed 004's batch job as an ember plan: the iris
// flowers scored by the random forest (ONNX), written as Parquet. The plan
// then runs as a Kubernetes Indexed Job submitted from a Kubeflow pipeline
// (README.md): `ember k8s manifest` lays it out, each pod runs
// `ember run PLAN --index I --count N`, and the pipeline's last step runs
// `ember commit PLAN`.
//
//	go run ./examples/kubeflow -plan plan.json -out scored
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

// examplesDir is examples/ in the repository: the iris data and model.
func examplesDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Dir(filepath.Dir(file))
}

func main() {
	in := flag.String("in", filepath.Join(examplesDir(), "iris", "iris.csv"), "the flowers (CSV with a header): a path or URL")
	model := flag.String("model", filepath.Join(examplesDir(), "iris", "iris_random_forest.onnx"),
		"the model, where the pods find it (a path in the image)")
	plan := flag.String("plan", "plan.json", "where to save the plan: a path or URL")
	out := flag.String("out", "scored", "where the job writes: a path (a volume every pod mounts) or URL")
	flag.Parse()
	if err := savePlan(context.Background(), *in, *model, *plan, *out); err != nil {
		fmt.Fprintln(os.Stderr, "kubeflow:", err)
		os.Exit(1)
	}
	fmt.Println("saved", *plan)
}

// savePlan saves the scoring job reading in and writing out as a plan at
// plan. The model is opened to check the plan (its inputs and outputs);
// the plan names it by location, and each pod loads it once.
func savePlan(_ context.Context, in, modelPath, plan, out string) error {
	sess := frame.NewSession()
	defer sess.Close()
	model, err := onnx.Load(modelPath, onnx.WithOutputs("output_label"))
	if err != nil {
		return err
	}
	defer udf.Unload(model)
	df := sess.Read().Option("header", "true").Option("inferSchema", "true").CSV(in)
	df = df.WithColumn("prediction", udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width").
		Labels("setosa", "versicolor", "virginica"))
	return df.Write().Mode(frame.Overwrite).SavePlan(plan, "parquet", out)
}
