package frame

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/hive"
	"github.com/ember-df/ember/io/imageio"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/plan/optimize"
)

// DataFrameReader reads files into DataFrames; get one from Session.Read.
type DataFrameReader struct {
	sess    *Session
	schema  *arrow.Schema
	options map[string]string
}

// Read starts reading files.
func (s *Session) Read() *DataFrameReader {
	return &DataFrameReader{sess: s, options: map[string]string{}}
}

// Schema sets the schema instead of inferring it.
func (r *DataFrameReader) Schema(s *arrow.Schema) *DataFrameReader {
	out := *r
	out.schema = s
	return &out
}

// Option sets a format option, named as in Spark ("header", "sep", …).
func (r *DataFrameReader) Option(key, value string) *DataFrameReader {
	out := *r
	out.options = maps.Clone(r.options)
	out.options[key] = value
	return &out
}

// CSV reads CSV files, directories of them and globs; Hive-style
// col=value directories become columns. See package csvio for the
// options.
func (r *DataFrameReader) CSV(paths ...string) *DataFrame {
	opts, err := csvio.ParseOptions(r.options)
	if err != nil {
		return r.sess.failed(fmt.Errorf("frame: Read().CSV: %w", err))
	}
	opts.Partitions = r.sess.parallelism()
	return r.open("CSV", paths, func(paths []string, schema *arrow.Schema) (plan.Source, error) {
		return csvio.NewSource(paths, schema, opts)
	})
}

// Parquet reads Parquet files, directories of them and globs. Only the
// columns a query uses are read, and row groups whose statistics rule out
// a filter are skipped. See package parquetio for the options.
func (r *DataFrameReader) Parquet(paths ...string) *DataFrame {
	opts, err := parquetio.ParseOptions(r.options)
	if err != nil {
		return r.sess.failed(fmt.Errorf("frame: Read().Parquet: %w", err))
	}
	opts.Partitions = r.sess.parallelism()
	return r.open("Parquet", paths, func(paths []string, _ *arrow.Schema) (plan.Source, error) {
		return parquetio.NewSource(paths, opts)
	})
}

// JSON reads JSON-lines files (one object per line), directories of them
// and globs; the schema is inferred by sampling unless given. See package
// jsonio for the options.
func (r *DataFrameReader) JSON(paths ...string) *DataFrame {
	opts, err := jsonio.ParseOptions(r.options)
	if err != nil {
		return r.sess.failed(fmt.Errorf("frame: Read().JSON: %w", err))
	}
	opts.Partitions = r.sess.parallelism()
	return r.open("JSON", paths, func(paths []string, schema *arrow.Schema) (plan.Source, error) {
		return jsonio.NewSource(paths, schema, opts)
	})
}

// Arrow reads Arrow IPC files or streams. See package ipcio for the
// options.
func (r *DataFrameReader) Arrow(paths ...string) *DataFrame {
	opts, err := ipcio.ParseOptions(r.options)
	if err != nil {
		return r.sess.failed(fmt.Errorf("frame: Read().Arrow: %w", err))
	}
	opts.Partitions = r.sess.parallelism()
	return r.open("Arrow", paths, func(paths []string, _ *arrow.Schema) (plan.Source, error) {
		return ipcio.NewSource(paths, opts)
	})
}

// Images reads image files (JPEG, PNG, GIF, WebP), directories of them
// (recursively; other files are skipped) and globs, one row per file, like
// Spark's image source but lazily. The columns are path (utf8), format
// (utf8: "jpeg", "png", "gif" or "webp", from the file's header), width
// and height (int32, as stored: EXIF rotation is not applied), size
// (int64) and bytes (binary: the whole file, undecoded); format, width and
// height are NULL for a file that is no readable image. Only what a query
// uses is read: path and size come from the listing, format, width and
// height from the file's header, bytes from the whole file. See package
// imageio.
func (r *DataFrameReader) Images(paths ...string) *DataFrame {
	src, err := imageio.NewSource(paths, imageio.SourceOptions{Partitions: r.sess.parallelism()})
	if err != nil {
		return r.sess.failed(fmt.Errorf("frame: Read().Images: %w", err))
	}
	return &DataFrame{sess: r.sess, node: &plan.Scan{Source: src}}
}

// open makes a DataFrame over a format's files, Hive directories included.
func (r *DataFrameReader) open(format string, paths []string, open hive.Opener) *DataFrame {
	src, err := hive.Open(paths, r.schema, open)
	if err != nil {
		return r.sess.failed(fmt.Errorf("frame: Read().%s: %w", format, err))
	}
	return &DataFrame{sess: r.sess, node: &plan.Scan{Source: src}}
}

// SaveMode says what a write does when its destination exists.
type SaveMode = plan.SaveMode

// The save modes.
const (
	ErrorIfExists = plan.ErrorIfExists
	Overwrite     = plan.Overwrite
	Append        = plan.Append
	Ignore        = plan.Ignore
)

// DataFrameWriter writes a DataFrame to files; get one from
// DataFrame.Write.
type DataFrameWriter struct {
	df          *DataFrame
	mode        SaveMode
	options     map[string]string
	partitionBy []string
	sync        string // the "sync" option, "" when unset
	job         string // Resumable's job id
}

// Write starts writing df.
func (df *DataFrame) Write() *DataFrameWriter {
	return &DataFrameWriter{df: df, options: map[string]string{}}
}

// Mode sets what happens when the destination exists (default
// ErrorIfExists).
func (w *DataFrameWriter) Mode(m SaveMode) *DataFrameWriter {
	out := *w
	out.mode = m
	return &out
}

// PartitionBy writes rows into Hive-style directories by the values of the
// given columns (col=value/part-…); the files leave those columns out, and
// reading the directory restores them.
func (w *DataFrameWriter) PartitionBy(cols ...string) *DataFrameWriter {
	out := *w
	out.partitionBy = append([]string(nil), cols...)
	return &out
}

// Resumable names the write job, making it resumable: its tasks record
// the files they commit, so that when the job fails or its process is
// killed, running the same write again with the same job id computes only
// the partitions whose tasks had not committed (the model rows already
// scored are not scored again) and then commits, with output identical to
// an uninterrupted run; once the job has committed, running it again does
// nothing. job is 1 to 64 letters, digits and '-', new for each intended
// run ("scores-2026-12-06"); the write must be the same each time.
func (w *DataFrameWriter) Resumable(job string) *DataFrameWriter {
	out := *w
	out.job = job
	return &out
}

// Option sets a format option, named as in Spark. One option is the
// commit's own: "sync" ("true", the default, or "false") says whether the
// committed files and directories are flushed to stable storage (fsync);
// "false" suits scratch data, which a power loss soon after the commit may
// then lose (a process crash still cannot: docs/commit.md).
func (w *DataFrameWriter) Option(key, value string) *DataFrameWriter {
	out := *w
	if strings.EqualFold(key, "sync") {
		out.sync = value
		return &out
	}
	out.options = maps.Clone(w.options)
	out.options[key] = value
	return &out
}

// CSV writes the DataFrame as a directory of CSV part files, one per
// partition, committed atomically with a _SUCCESS marker: a failed or
// cancelled job leaves path as it was.
func (w *DataFrameWriter) CSV(ctx context.Context, path string) error {
	if err := w.df.failure(); err != nil {
		return err
	}
	opts, err := csvio.ParseOptions(w.options)
	if err != nil {
		return fmt.Errorf("frame: Write().CSV: %w", err)
	}
	return w.save(ctx, csvio.Format{Options: opts}, path)
}

// Parquet writes the DataFrame as a directory of Parquet part files
// (snappy by default; options "compression" and "rowGroupRows"),
// committed atomically like CSV.
func (w *DataFrameWriter) Parquet(ctx context.Context, path string) error {
	if err := w.df.failure(); err != nil {
		return err
	}
	opts, err := parquetio.ParseOptions(w.options)
	if err != nil {
		return fmt.Errorf("frame: Write().Parquet: %w", err)
	}
	return w.save(ctx, parquetio.Format{Options: opts}, path)
}

// JSON writes the DataFrame as a directory of JSON-lines part files,
// committed atomically like CSV.
func (w *DataFrameWriter) JSON(ctx context.Context, path string) error {
	if err := w.df.failure(); err != nil {
		return err
	}
	opts, err := jsonio.ParseOptions(w.options)
	if err != nil {
		return fmt.Errorf("frame: Write().JSON: %w", err)
	}
	return w.save(ctx, jsonio.Format{Options: opts}, path)
}

// Arrow writes the DataFrame as a directory of Arrow IPC files (option
// "format"="stream" for streams; "compression" lz4 or zstd), committed
// atomically like CSV.
func (w *DataFrameWriter) Arrow(ctx context.Context, path string) error {
	if err := w.df.failure(); err != nil {
		return err
	}
	opts, err := ipcio.ParseOptions(w.options)
	if err != nil {
		return fmt.Errorf("frame: Write().Arrow: %w", err)
	}
	return w.save(ctx, ipcio.Format{Options: opts}, path)
}

// plan is the write of w's DataFrame to path in format f.
func (w *DataFrameWriter) plan(f plan.FileFormat, path string) (*plan.Write, error) {
	noSync := false
	switch strings.ToLower(w.sync) {
	case "", "true":
	case "false":
		noSync = true
	default:
		return nil, fmt.Errorf(`frame: Write().Option("sync", %q): want "true" or "false"`, w.sync)
	}
	return &plan.Write{Input: w.df.node, Format: f, Path: path, Mode: w.mode, PartitionBy: w.partitionBy, NoSync: noSync, Job: w.job}, nil
}

func (w *DataFrameWriter) save(ctx context.Context, f plan.FileFormat, path string) error {
	root, err := w.plan(f, path)
	if err != nil {
		return err
	}
	if err := root.CheckColumns(); err != nil {
		return fmt.Errorf("frame: Write %s: %w", path, err)
	}
	if err := root.CheckPartitionBy(); err != nil {
		return fmt.Errorf("frame: Write().PartitionBy: %w", err)
	}
	action := fmt.Sprintf("Write %s %s", f.Name(), path)
	if err := w.df.sess.checkOpen(action); err != nil {
		return err
	}
	optimized := optimize.Optimize(root).(*plan.Write)
	job := w.df.sess.startJob(action)
	m, err := exec.Write(ctx, w.df.sess.runner, w.df.sess.jobConfig(w.df.sess.cfg, job, root), optimized)
	w.df.sess.finishJob(ctx, job, m, err)
	return err
}
