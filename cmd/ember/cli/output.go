package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/storage"
)

// outputFlags are the flags of the commands that write a DataFrame:
// --output-format, --output-option and --overwrite.
type outputFlags struct {
	format    string
	options   []string // key=value
	overwrite bool
}

func (f *outputFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.format, "output-format", "", "the output's format: csv, tsv, json, parquet or arrow (default: by OUT's extension)")
	fs.StringArrayVar(&f.options, "output-option", nil, "a writer option key=value, named as in Spark (repeatable): compression=zstd, header=false, …")
	fs.BoolVar(&f.overwrite, "overwrite", false, "replace the output if it exists (default: fail)")
}

// outputFormat is the format to write out in: --output-format, else
// out's extension, else fallback (the input's format, when there is one).
func (f *outputFlags) outputFormat(out, fallback string) (string, error) {
	name, by := f.format, "--output-format "+f.format
	if name == "" {
		name, by = formatOfName(out), out
		if ext := path.Ext(strings.TrimRight(out, "/")); name == "" && ext != "" && storage.CodecForPath(out) == nil {
			return "", usagef("%s: unknown format %s (name it with --output-format csv, tsv, json, parquet or arrow)", out, ext)
		}
	}
	if name == "" {
		name, by = fallback, "the input's format "+fallback
	}
	format, ok := formatNames[strings.ToLower(name)]
	switch {
	case name == "":
		return "", usagef("%s: say the output's format with an extension or --output-format (csv, tsv, json, parquet or arrow)", out)
	case !ok:
		return "", usagef("%s: unknown format (want csv, tsv, json, parquet or arrow)", by)
	case format == formatImages:
		return "", usagef("%s: ember does not write images; choose --output-format csv, tsv, json, parquet or arrow", by)
	}
	return format, nil
}

// write writes df to out as a committed directory of part files (see
// DataFrameWriter) in the format outputFormat finds. Without --overwrite
// an existing out is a usage error, found before the job runs. CSV and
// TSV are written with a header, as the data commands read them.
func (f *outputFlags) write(ctx context.Context, df *frame.DataFrame, out, fallback string) error {
	format, err := f.outputFormat(out, fallback)
	if err != nil {
		return err
	}
	w := df.Write().Mode(frame.ErrorIfExists)
	if f.overwrite {
		w = w.Mode(frame.Overwrite)
	} else if _, err := storage.Stat(ctx, out); err == nil {
		return usagef("%s exists (add --overwrite to replace it)", out)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	switch format {
	case formatCSV:
		w = w.Option("header", "true")
	case formatTSV:
		w = w.Option("header", "true").Option("sep", "\t")
	}
	for _, kv := range f.options {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return usagef("--output-option %q: want key=value", kv)
		}
		w = w.Option(k, v)
	}
	switch format {
	case formatCSV, formatTSV:
		return w.CSV(ctx, out)
	case formatJSON:
		return w.JSON(ctx, out)
	case formatParquet:
		return w.Parquet(ctx, out)
	case formatArrow:
		return w.Arrow(ctx, out)
	}
	return fmt.Errorf("cli: no writer for format %q", format)
}
