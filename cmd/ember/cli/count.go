package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/frame"
)

func init() { register(newCountCommand) }

// newCountCommand is `ember count FILE…`: the number of rows alone.
func newCountCommand(e *env) *cobra.Command {
	var in inputFlags
	c := &cobra.Command{
		Use:   "count FILE...",
		Short: "Print the number of rows of files, alone on a line",
		Long: `Print the number of rows of files, alone on stdout. FILE is a file, a glob or a
directory (an ember output), on any store; its format comes from its
extension or --format.`,
		Example: `  ember count 'logs/*.csv.gz'
  n=$(ember count s3://b/out) || exit`,
		Args: minArgs(1, "at least one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withInput(&in, args, func(df *frame.DataFrame) error {
				n, err := df.Count(e.ctx)
				if err != nil {
					return err
				}
				_, err = fmt.Fprintln(e.stdout, n)
				return err
			})
		},
	}
	in.register(c.Flags())
	return c
}
