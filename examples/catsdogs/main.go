// Command catsdogs is seed 001, the PySpark cats-vs-dogs batch job, in
// ember: a CSV of image paths, repartitioned into 10 partitions, scored by
// an image classifier loaded once, with the images decoded and
// pre-processed to 224×224 on every core while the model infers, and
// written as CSV with a header in overwrite mode.
//
// The model is MobileNetV2 (int8, ONNX Model Zoo, Apache-2.0), embedded in
// the binary; an image is a Dog when ImageNet's dog classes (151–268) hold
// more of its probability than its cat classes (281–285), else a Cat.
//
//	go run ./examples/catsdogs -images DIR -out OUT
//
// DIR is any folder of JPEG, PNG, GIF or WebP images (searched
// recursively). OUT receives CSV part files with the columns img_path and
// prediction, and _SUCCESS. When the images sit in cat/ and dog/
// sub-folders, the command also reports the accuracy.
package main

import (
	"context"
	_ "embed"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/io/imageio"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

//go:embed model/mobilenetv2_int8.onnx
var mobilenet []byte

// ImageNet's cat and dog classes.
var catOrDog = udf.ClassGroups(
	udf.ClassGroup{Name: "Cat", Classes: udf.ClassRange(281, 285)},
	udf.ClassGroup{Name: "Dog", Classes: udf.ClassRange(151, 268)},
)

func main() {
	images := flag.String("images", "", "folder of images (with cat/ and dog/ sub-folders for an accuracy report)")
	out := flag.String("out", filepath.Join(os.TempDir(), "ember-catsdogs"), "output directory")
	partitions := flag.Int("partitions", 10, "partitions of the job (the seed's repartition(10))")
	flag.Parse()
	if *images == "" {
		fmt.Fprintln(os.Stderr, "usage: catsdogs -images DIR [-out OUT] [-partitions N]")
		os.Exit(2)
	}
	if _, err := run(context.Background(), *images, *out, *partitions); err != nil {
		log.Fatal(err)
	}
}

// report is what a run found.
type report struct {
	images  int64
	labeled int64 // images under cat/ or dog/
	right   int64 // of the labeled, predicted right
	elapsed time.Duration
}

// run lists the images under dir as a CSV of paths, scores them and
// writes the predictions to out.
func run(ctx context.Context, dir, out string, partitions int) (report, error) {
	work, err := os.MkdirTemp("", "ember-catsdogs")
	if err != nil {
		return report{}, err
	}
	defer os.RemoveAll(work)
	sess := frame.NewSession()
	defer sess.Close()

	// The seed's first step: the paths of all the images, as a CSV.
	pathsCSV := filepath.Join(work, "images")
	err = sess.Read().Images(dir).Select(frame.Col("path").As("img_path")).
		Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, pathsCSV)
	if err != nil {
		return report{}, err
	}

	modelPath := filepath.Join(work, "mobilenetv2_int8.onnx")
	if err := os.WriteFile(modelPath, mobilenet, 0o644); err != nil {
		return report{}, err
	}
	model, err := onnx.Load(modelPath)
	if err != nil {
		return report{}, err
	}
	defer udf.Unload(model)

	df := sess.Read().Option("header", "true").CSV(pathsCSV)
	n, err := df.Count(ctx)
	if err != nil {
		return report{}, err
	}
	fmt.Printf("%d images\n", n)
	if err := df.Show(ctx, 5); err != nil {
		return report{}, err
	}
	df = df.Repartition(partitions)

	// The seed's pandas UDF: load the model once, pre-process to 224×224,
	// predict, label Dog or Cat.
	df = df.WithColumn("prediction",
		udf.Predict(model, imageio.Tensor("img_path", imageio.ImageNet(224)...)).
			Softmax().
			Then(catOrDog))
	if err := df.Write().Mode(frame.Overwrite).Option("header", "true").CSV(ctx, out); err != nil {
		return report{}, err
	}
	m := sess.LastMetrics()
	rep := report{images: m.RowsOutput, elapsed: m.Elapsed}
	fmt.Printf("wrote %s: %d images in %s (%.0f images/s)\n", out, m.RowsOutput, m.Elapsed.Round(time.Millisecond), float64(m.RowsOutput)/m.Elapsed.Seconds())
	for _, u := range m.UDFs {
		fmt.Println("  ", u)
	}

	// With cat/ and dog/ folders the truth is in the path.
	scored := sess.Read().Option("header", "true").CSV(out).
		WithColumn("truth", frame.When(frame.Col("img_path").Contains("cat/"), "Cat").
			When(frame.Col("img_path").Contains("dog/"), "Dog").Otherwise(nil))
	labeled := scored.Filter(frame.Col("truth").IsNotNull())
	if rep.labeled, err = labeled.Count(ctx); err != nil {
		return rep, err
	}
	if rep.labeled > 0 {
		if rep.right, err = labeled.Filter(frame.Col("truth").Eq(frame.Col("prediction"))).Count(ctx); err != nil {
			return rep, err
		}
		fmt.Printf("accuracy: %d of %d labeled images right (%.1f%%)\n", rep.right, rep.labeled, 100*float64(rep.right)/float64(rep.labeled))
	}
	return rep, nil
}
