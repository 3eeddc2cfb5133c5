package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// The formats the data commands read, as --format names them.
const (
	formatCSV     = "csv"
	formatTSV     = "tsv" // CSV with sep=\t
	formatJSON    = "json"
	formatParquet = "parquet"
	formatArrow   = "arrow"
	formatImages  = "images"
)

// formatNames maps --format's spellings, and file extensions, to formats.
var formatNames = map[string]string{
	"csv": formatCSV, "tsv": formatTSV, "tab": formatTSV,
	"json": formatJSON, "jsonl": formatJSON, "ndjson": formatJSON,
	"parquet": formatParquet, "pq": formatParquet,
	"arrow": formatArrow, "ipc": formatArrow, "feather": formatArrow, "arrows": formatArrow,
	"images": formatImages, "image": formatImages,
	"jpg": formatImages, "jpeg": formatImages, "png": formatImages, "gif": formatImages, "webp": formatImages,
}

// formatList is what the errors about formats offer.
const formatList = "csv, tsv, json, parquet, arrow or images"

// formatOfName is the format a file's name says by its extension, after
// any codec extension (data.csv.gz is csv); "" when it says none.
func formatOfName(name string) string {
	name = strings.ToLower(path.Base(strings.TrimRight(name, "/")))
	if c := storage.CodecForPath(name); c != nil {
		name = strings.TrimSuffix(name, path.Ext(name))
	}
	ext := strings.TrimPrefix(path.Ext(name), ".")
	if ext == "" {
		return ""
	}
	return formatNames[ext]
}

// inputFlags are the flags of the commands that read files: --format and
// --option.
type inputFlags struct {
	format  string
	options []string // key=value
}

func (f *inputFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.format, "format", "", "the input's format: "+formatList+" (default: by the file extension)")
	fs.StringArrayVarP(&f.options, "option", "o", nil, "a reader option key=value, named as in Spark (repeatable): header=false, sep=;, inferSchema=false, …")
}

// input is what a list of paths holds: each path as given and its format.
type input struct {
	paths  []string
	format string
}

// resolve checks that every path exists (a glob must match something)
// and finds their format: --format, else for a directory the extension of
// the first data file below it, else the path's extension (a glob's, or
// its first match's). Paths of different formats are a usage error, and
// so is a path that is not there; a store that fails to answer is not.
func (f *inputFlags) resolve(ctx context.Context, paths []string) (input, error) {
	in := input{paths: paths}
	if f.format != "" {
		format, ok := formatNames[strings.ToLower(f.format)]
		if !ok {
			return in, usagef("--format %s: unknown format (want %s)", f.format, formatList)
		}
		in.format = format
	}
	for _, p := range paths {
		format, err := locate(ctx, p)
		if err != nil {
			return in, err
		}
		switch {
		case f.format != "":
		case format == "":
			return in, usagef("%s: unknown format (name it with --format %s)", p, formatList)
		case in.format == "":
			in.format = format
		case in.format != format:
			return in, usagef("%s is %s, but %s is %s: read files of one format at a time", p, format, paths[0], in.format)
		}
	}
	return in, nil
}

// locate checks that p exists and returns its format: a directory's by
// the first data file below it, else by p's extension; "" when neither
// says.
func locate(ctx context.Context, p string) (string, error) {
	if storage.IsGlob(p) {
		matches, err := storage.Glob(ctx, p)
		if err != nil {
			return "", err
		}
		if len(matches) == 0 {
			return "", usagef("%s: no file matches", p)
		}
		if format := formatOfName(p); format != "" {
			return format, nil
		}
		if !matches[0].IsDir {
			return formatOfName(matches[0].Path), nil
		}
		format, err := dirFormat(ctx, matches[0].Path)
		if format == "" && err == nil {
			format = formatOfName(matches[0].Path)
		}
		return format, err
	}
	info, err := storage.Stat(ctx, p)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", usagef("%s: no such file or directory", p)
	case err != nil:
		return "", err
	case !info.IsDir:
		return formatOfName(p), nil
	}
	// A directory's files say its format; its own name (out.parquet/, as
	// Spark names outputs) only when they do not.
	format, err := dirFormat(ctx, p)
	if format == "" && err == nil {
		format = formatOfName(p)
	}
	return format, err
}

// dirFormat is the format of the first data file below dir, skipping
// hidden and bookkeeping files (names starting with "." or "_", such as
// an ember output's _SUCCESS manifest).
func dirFormat(ctx context.Context, dir string) (string, error) {
	files, err := storage.List(ctx, dir)
	if errors.Is(err, fs.ErrNotExist) {
		return "", usagef("%s: an empty directory", dir)
	} else if err != nil {
		return "", err
	}
	for _, f := range files {
		rel := strings.TrimPrefix(f.Path, strings.TrimRight(dir, "/")+"/")
		if slices.ContainsFunc(strings.Split(rel, "/"), func(seg string) bool {
			return strings.HasPrefix(seg, ".") || strings.HasPrefix(seg, "_")
		}) {
			continue
		}
		if format := formatOfName(f.Path); format != "" {
			return format, nil
		}
	}
	return "", nil
}

// readerOptions are the options a format's reader gets: the CLI's
// defaults, then --option's. CSV and TSV files are read with a header and
// an inferred schema, which suits a look at a file; --option header=false
// or inferSchema=false turn them off.
func (f *inputFlags) readerOptions(format string) (map[string]string, error) {
	opts := map[string]string{}
	switch format {
	case formatCSV:
		opts["header"], opts["inferSchema"] = "true", "true"
	case formatTSV:
		opts["header"], opts["inferSchema"], opts["sep"] = "true", "true", "\t"
	}
	for _, kv := range f.options {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, usagef("--option %q: want key=value", kv)
		}
		opts[k] = v
	}
	if format == formatImages && len(f.options) > 0 {
		return nil, usagef("--option: the images format takes no options")
	}
	return opts, nil
}

// read opens paths as one DataFrame. Errors in building it (options a
// reader refuses, files it cannot make sense of) are usage errors, unless
// a store failed or ctx ended.
func (f *inputFlags) read(ctx context.Context, sess *frame.Session, paths []string) (*frame.DataFrame, string, error) {
	in, err := f.resolve(ctx, paths)
	if err != nil {
		return nil, "", err
	}
	opts, err := f.readerOptions(in.format)
	if err != nil {
		return nil, "", err
	}
	r := sess.Read()
	for k, v := range opts {
		r = r.Option(k, v)
	}
	var df *frame.DataFrame
	switch in.format {
	case formatCSV, formatTSV:
		df = r.CSV(in.paths...)
	case formatJSON:
		df = r.JSON(in.paths...)
	case formatParquet:
		df = r.Parquet(in.paths...)
	case formatArrow:
		df = r.Arrow(in.paths...)
	case formatImages:
		df = r.Images(in.paths...)
	default:
		return nil, "", fmt.Errorf("cli: no reader for format %q", in.format)
	}
	return df, in.format, planError(df.Err())
}

// planError classifies an error found while building a plan, before any
// job ran: the command cannot succeed as given (a usage error), unless
// ctx ended or the error is transient (a store that failed to answer).
func planError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || plan.IsTransient(err) {
		return err
	}
	return usageError{err}
}
