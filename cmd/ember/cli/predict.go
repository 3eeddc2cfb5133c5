package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/frame"

	"github.com/ember-df/ember/storage"
	"github.com/ember-df/ember/udf"
	"github.com/ember-df/ember/udf/onnx"
)

func init() { register(newPredictCommand) }

// newPredictCommand is `ember predict --model M.onnx --inputs a,b,c IN
// OUT`: score IN with an ONNX model and write IN's columns plus the
// prediction to OUT.
func newPredictCommand(e *env) *cobra.Command {
	var (
		in      inputFlags
		of      outputFlags
		model   string
		inputs  []string
		outputs []string
		column  string
		labels  []string
	)
	c := &cobra.Command{
		Use:   "predict --model M.onnx --inputs COL,... IN OUT",
		Short: "Score files with an ONNX model and write them with the prediction added",
		Long: `Score IN (a file, a glob or a directory, on any store; its format by its extension
or --format) with an ONNX model (udf.Predict: docs/models.md) fed the --inputs
columns, and write IN's columns plus the prediction to OUT as a committed
directory of part files, in --output-format, else the format of OUT's extension,
else IN's. OUT that exists is an error unless --overwrite.

The prediction is the model's first output, in the column --column
("prediction"); --outputs names the outputs to keep instead (with several, each
becomes a column named after it); --labels maps an integer class to a name.
Several numeric input columns are packed into one [N,k] input, as the model
wants. The model is a file on any store (one that is not local is copied to a
temporary file first); ONNX Runtime is found as docs/models.md says.`,
		Example: `  ember predict --model iris.onnx --inputs sepal_length,sepal_width,petal_length,petal_width iris.csv out/
  ember predict --model s3://m/iris.onnx --inputs a,b,c,d --labels setosa,versicolor,virginica 's3://b/in/*.parquet' s3://b/scored.parquet`,
		Args: exactArgs(2, "IN and OUT"),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch {
			case model == "":
				return usagef("predict: --model is required")
			case len(inputs) == 0:
				return usagef("predict: --inputs is required")
			case len(labels) > 0 && len(outputs) > 1:
				return usagef("predict: --labels maps one output, not %d", len(outputs))
			}
			return e.withSession(nil, func(sess *frame.Session) error {
				df, format, err := in.read(e.ctx, sess, args[:1])
				if err != nil {
					return err
				}
				if _, err := of.outputFormat(args[1], format); err != nil {
					return err
				}
				m, cleanup, err := loadModel(e.ctx, model)
				if err != nil {
					return err
				}
				defer cleanup()
				defer udf.Unload(m)
				keep := outputs
				if len(keep) == 0 {
					keep = []string{m.Outputs()[0].Name}
				}
				cols := make([]any, len(inputs))
				for i, name := range inputs {
					cols[i] = name
				}
				p := udf.Predict(m, cols...).Outputs(keep...)
				if len(labels) > 0 {
					p = p.Labels(labels...)
				}
				scored := df.WithColumn(column, p)
				if len(keep) > 1 {
					scored = scored.Unnest(column)
				}
				if err := planError(scored.Err()); err != nil {
					return err
				}
				return of.write(e.ctx, scored, args[1], format)
			})
		},
	}
	f := c.Flags()
	in.register(f)
	of.register(f)
	f.StringVarP(&model, "model", "m", "", "the ONNX model: a file on any store (required)")
	f.StringSliceVarP(&inputs, "inputs", "i", nil, "the columns the model takes, in order: a,b,c (required)")
	f.StringSliceVar(&outputs, "outputs", nil, "the model outputs to keep (default: its first)")
	f.StringVar(&column, "column", "prediction", "the prediction's column (with several --outputs, each output's name)")
	f.StringSliceVar(&labels, "labels", nil, "class names for an integer class output: the name of class 0, 1, …")
	return c
}

// loadModel loads the ONNX model at path, copying a model on a remote
// store to a temporary file first; cleanup removes that file. A model
// file that is not there is a usage error; a model ONNX Runtime cannot
// load (or no ONNX Runtime) is a failure.
func loadModel(ctx context.Context, path string) (*onnx.Model, func(), error) {
	cleanup := func() {}
	if _, err := storage.Stat(ctx, path); errors.Is(err, fs.ErrNotExist) {
		return nil, cleanup, usagef("--model %s: no such file", path)
	} else if err != nil {
		return nil, cleanup, err
	}
	local, ok := storage.LocalPath(path)
	if !ok {
		data, err := storage.ReadFile(ctx, path)
		if err != nil {
			return nil, cleanup, err
		}
		dir, err := os.MkdirTemp("", "ember-model-")
		if err != nil {
			return nil, cleanup, err
		}
		cleanup = func() { os.RemoveAll(dir) }
		local = filepath.Join(dir, filepath.Base(path))
		if err := os.WriteFile(local, data, 0o600); err != nil {
			cleanup()
			return nil, func() {}, err
		}
	}
	m, err := onnx.Load(local)
	if err != nil {
		cleanup()
		return nil, func() {}, fmt.Errorf("--model %s: %w", path, err)
	}
	if len(m.Outputs()) == 0 {
		cleanup()
		return nil, func() {}, usagef("--model %s: the model has no outputs", path)
	}
	return m, cleanup, nil
}
