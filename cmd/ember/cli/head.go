package cli

import (
	"bufio"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/spf13/cobra"

	"github.com/ember-df/ember/frame"

	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

func init() { register(newHeadCommand) }

// newHeadCommand is `ember head FILE…`: the first rows as CSV or JSON
// lines.
func newHeadCommand(e *env) *cobra.Command {
	var (
		in     inputFlags
		rows   int
		format string
	)
	c := &cobra.Command{
		Use:   "head FILE...",
		Short: "Print the first rows of files as CSV (with a header) or JSON lines",
		Long: `Print the first rows of files on stdout as CSV with a header (--output-format
csv, the default) or as JSON lines (--output-format json), written as ember
writes those formats: whole values, for other programs to read. FILE is a
file, a glob or a directory (an ember output), on any store; its format
comes from its extension or --format.`,
		Example: `  ember head data.parquet -n 3
  ember head 'logs/*.json' --output-format json | jq .`,
		Args: minArgs(1, "at least one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if rows < 0 {
				return usagef("head: -n %d: want 0 or more rows", rows)
			}
			var ff plan.FileFormat
			switch strings.ToLower(format) {
			case "csv":
				o := csvio.DefaultOptions()
				o.Header = true
				ff = csvio.Format{Options: o}
			case "json", "jsonl", "ndjson":
				ff = jsonio.Format{Options: jsonio.DefaultOptions()}
			default:
				return usagef("head: --output-format %s: want csv or json", format)
			}
			return e.withInput(&in, args, func(df *frame.DataFrame) error {
				// A writer that cannot write a column type refuses it before
				// any row is read.
				out := bufio.NewWriter(e.stdout)
				w, err := ff.NewWriter(out, df.Schema())
				if err != nil {
					return usageError{err}
				}
				tbl, err := df.Take(e.ctx, int64(rows))
				if err != nil {
					return err
				}
				defer tbl.Release()
				tr := array.NewTableReader(tbl, -1)
				defer tr.Release()
				for tr.Next() {
					if err := w.Write(tr.RecordBatch()); err != nil {
						return err
					}
				}
				if err := w.Close(); err != nil {
					return err
				}
				return out.Flush()
			})
		},
	}
	in.register(c.Flags())
	c.Flags().IntVarP(&rows, "rows", "n", 10, "how many rows to print")
	c.Flags().StringVar(&format, "output-format", "csv", "csv (with a header) or json (JSON lines)")
	return c
}
