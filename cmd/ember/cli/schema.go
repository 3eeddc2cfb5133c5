package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/frame"

	"github.com/ember-df/ember/sql"
)

func init() { register(newSchemaCommand) }

// newSchemaCommand is `ember schema FILE…`: one line per column.
func newSchemaCommand(e *env) *cobra.Command {
	var in inputFlags
	c := &cobra.Command{
		Use:   "schema FILE...",
		Short: "Print the columns of files: name, type, nullable, one line each",
		Long: `Print one line per column of files: its name, its type as Spark SQL spells it
(DESCRIBE's: bigint, double, string, array<int>, …) and whether it may be
NULL (true or false), separated by tabs. A tab or a line end in a name is
written \t or \n (and a backslash \\). FILE is a file, a glob or a directory
(an ember output), on any store; its format comes from its extension or
--format. Reading the schema reads no rows (CSV and JSON sample some to
infer their types).`,
		Example: `  ember schema s3://b/out
  ember schema data.parquet | cut -f1`,
		Args: minArgs(1, "at least one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withInput(&in, args, func(df *frame.DataFrame) error {
				var b strings.Builder
				for _, f := range df.Schema().Fields() {
					fmt.Fprintf(&b, "%s\t%s\t%t\n", escapeName(f.Name), sql.TypeName(f.Type), f.Nullable)
				}
				_, err := fmt.Fprint(e.stdout, b.String())
				return err
			})
		},
	}
	in.register(c.Flags())
	return c
}

// escapeName keeps a column name on its line and in its tab-separated
// field.
var escapeName = strings.NewReplacer(`\`, `\\`, "\t", `\t`, "\n", `\n`, "\r", `\r`).Replace
