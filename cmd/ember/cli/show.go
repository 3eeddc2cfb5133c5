package cli

import (
	"fmt"
	"io"
	"strconv"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ember-df/ember/frame"
)

func init() { register(newShowCommand) }

// newShowCommand is `ember show FILE…`: the first rows as a Spark-style
// table.
func newShowCommand(e *env) *cobra.Command {
	var (
		in   inputFlags
		tf   tableFlags
		rows int
	)
	c := &cobra.Command{
		Use:   "show FILE...",
		Short: "Print the first rows of files as a table, as DataFrame.Show does",
		Long: `Print the first rows of files as a Spark-style table, as DataFrame.Show does,
with cells longer than 20 characters cut (--truncate=false keeps them whole,
--truncate=N cuts at N). FILE is a file, a glob or a directory (an ember
output), on any store; its format comes from its extension or --format.`,
		Example: `  ember show data.parquet -n 5
  ember show 'logs/*.csv.gz' --truncate=false
  ember show s3://b/out --format json`,
		Args: minArgs(1, "at least one FILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			return e.withInput(&in, args, func(df *frame.DataFrame) error {
				return tf.show(e, df, rows)
			})
		},
	}
	in.register(c.Flags())
	tf.register(c.Flags())
	c.Flags().IntVarP(&rows, "rows", "n", 20, "how many rows to show")
	return c
}

// tableFlags say how show and sql print a table.
type tableFlags struct {
	truncate truncateValue
}

func (f *tableFlags) register(fs *pflag.FlagSet) {
	f.truncate = 20
	fs.Var(&f.truncate, "truncate", "cut cells longer than this many characters: true (20), false (keep them whole) or a number")
	fs.Lookup("truncate").NoOptDefVal = "true"
}

// show prints the first rows of df as a table.
func (f *tableFlags) show(e *env, df *frame.DataFrame, rows int) error {
	if rows < 0 {
		return usagef("-n %d: want 0 or more rows", rows)
	}
	s, err := df.ShowString(e.ctx, rows, int(f.truncate))
	if err != nil {
		return err
	}
	_, err = io.WriteString(e.stdout, s)
	return err
}

// truncateValue is --truncate: true (20 characters), false (0: whole
// cells) or a number of characters, as Spark's show(n, truncate).
type truncateValue int

// String implements pflag.Value.
func (t *truncateValue) String() string {
	if *t == 0 {
		return "false"
	}
	return strconv.Itoa(int(*t))
}

// Set implements pflag.Value.
func (t *truncateValue) Set(s string) error {
	if b, err := strconv.ParseBool(s); err == nil {
		*t = 0
		if b {
			*t = 20
		}
		return nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return fmt.Errorf("want true, false or a number of characters, not %q", s)
	}
	*t = truncateValue(n)
	return nil
}

// Type implements pflag.Value.
func (t *truncateValue) Type() string { return "true|false|N" }
