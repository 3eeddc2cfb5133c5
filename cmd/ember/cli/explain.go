package cli

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/frame"
)

func init() { register(newExplainCommand) }

// newExplainCommand is `ember explain FILE…` and `ember explain --sql
// QUERY`: the plans of a read or of a query.
func newExplainCommand(e *env) *cobra.Command {
	var (
		tables tableViews
		query  string
	)
	c := &cobra.Command{
		Use:   "explain {FILE... | --sql QUERY [--table NAME=PATH]...}",
		Short: "Print the logical, optimized and physical plans of a read or a SQL query",
		Long: `Print the plans of reading FILEs (a file, a glob or a directory, on any store;
its format by its extension or --format), or of a SQL query over files named
as tables (--sql QUERY with --table NAME=PATH, as ember sql takes them): the
logical plan as built, the optimized plan and the physical plan — its stages
and operators — as DataFrame.Explain and Spark's extended EXPLAIN show them.
Nothing runs.`,
		Example: `  ember explain data.parquet
  ember explain --table iris=iris.csv --sql "SELECT species, avg(petal_width) FROM iris GROUP BY species"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withSession(nil, func(sess *frame.Session) error {
				var df *frame.DataFrame
				var err error
				switch {
				case query != "" && len(args) > 0:
					return usagef("explain: give FILEs or --sql QUERY, not both")
				case query != "":
					df, err = tables.query(e.ctx, sess, query)
				case len(tables.tables) > 0:
					return usagef("explain: --table names the tables of --sql QUERY")
				case len(args) == 0:
					return usagef("explain: want FILEs or --sql QUERY")
				default:
					df, _, err = tables.in.read(e.ctx, sess, args)
				}
				if err != nil {
					return err
				}
				_, err = io.WriteString(e.stdout, df.Explain())
				return err
			})
		},
	}
	tables.register(c.Flags())
	c.Flags().StringVar(&query, "sql", "", "explain this Spark SQL query instead of a read")
	return c
}
