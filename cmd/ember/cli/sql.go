package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ember-df/ember/frame"
)

func init() { register(newSQLCommand) }

// newSQLCommand is `ember sql QUERY`: a Spark SQL query over files named
// as tables.
func newSQLCommand(e *env) *cobra.Command {
	var (
		tables tableViews
		tf     tableFlags
		of     outputFlags
		rows   int
		output string
	)
	c := &cobra.Command{
		Use:   "sql QUERY",
		Short: "Run a Spark SQL query over files named as tables",
		Long: `Run a Spark SQL query (docs/sql.md) over files: each --table NAME=PATH reads
PATH (a file, a glob or a directory, on any store; its format by its extension
or --format) as the temporary view NAME. Files may also be named in the query
itself: parquet.` + "`path`" + `, csv.` + "`path`" + ` (no header, as in Spark), json.` + "`path`" + `, arrow.` + "`path`" + `.
The result is printed as a table (-n rows, --truncate), or with --output OUT
written to OUT as a committed directory in the format of OUT's extension or
--output-format. Bad SQL (a syntax error, an unknown table or column) exits 2.`,
		Example: `  ember sql --table iris=iris.csv "SELECT species, count(*) AS n FROM iris GROUP BY species"
  ember sql --table a=a.parquet --table b='b/*.json' "SELECT * FROM a JOIN b USING (id)" --output joined.parquet`,
		Args: exactArgs(1, "one QUERY"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withSession(nil, func(sess *frame.Session) error {
				df, err := tables.query(e.ctx, sess, args[0])
				if err != nil {
					return err
				}
				if output != "" {
					return of.write(e.ctx, df, output, "")
				}
				return tf.show(e, df, rows)
			})
		},
	}
	tables.register(c.Flags())
	tf.register(c.Flags())
	of.register(c.Flags())
	c.Flags().IntVarP(&rows, "rows", "n", 20, "how many rows to show")
	c.Flags().StringVar(&output, "output", "", "write the result to this directory (any store) instead of printing it")
	return c
}

// tableViews are --table NAME=PATH flags and the reader flags they share.
type tableViews struct {
	in     inputFlags
	tables []string
}

func (t *tableViews) register(fs *pflag.FlagSet) {
	t.in.register(fs)
	fs.StringArrayVarP(&t.tables, "table", "t", nil, "read PATH as the view NAME: NAME=PATH (repeatable)")
}

// query registers each table as a temporary view of sess and plans
// query over them. A table that cannot be read as given and SQL that
// does not parse or resolve are usage errors.
func (t *tableViews) query(ctx context.Context, sess *frame.Session, query string) (*frame.DataFrame, error) {
	for _, kv := range t.tables {
		name, path, ok := strings.Cut(kv, "=")
		if !ok || name == "" || path == "" {
			return nil, usagef("--table %q: want NAME=PATH", kv)
		}
		df, _, err := t.in.read(ctx, sess, []string{path})
		if err != nil {
			return nil, err
		}
		if err := df.CreateOrReplaceTempView(name); err != nil {
			return nil, usageError{err}
		}
	}
	df := sess.SQL(query)
	return df, planError(df.Err())
}
