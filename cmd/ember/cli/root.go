package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/exec"

	_ "github.com/ember-df/ember/plugins"       // plugin models ("plugin")
	_ "github.com/ember-df/ember/storage/cloud" // s3://, gs://, azblob://
	_ "github.com/ember-df/ember/udf/onnx"      // ONNX models ("onnx")
)

// Exit codes of Main.
const (
	// ExitOK: the command succeeded.
	ExitOK = 0
	// ExitFailed: the job failed, or a store or a model did; running it
	// again may succeed (a Kubernetes Job retries it).
	ExitFailed = 1
	// ExitUsage: the command cannot succeed as given — a bad command line,
	// a missing input, an unknown format, bad SQL, a plan that cannot run
	// the way it was asked to; running it again cannot succeed.
	ExitUsage = 2
)

// usageError is an error that makes Main return ExitUsage.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Main runs the command line args (without the program name), printing
// results on stdout and, on failure, one line on stderr, and returns the
// exit code: ExitOK, ExitFailed or ExitUsage. Cancelling ctx cancels the
// job.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, opts ...Option) int {
	cfg := config{runners: map[string]RunnerFlags{}}
	for _, o := range opts {
		o(&cfg)
	}
	e := &env{ctx: ctx, stdout: stdout, stderr: stderr, cfg: cfg, progress: progressAuto}
	root := newRoot(e)
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "ember: "+oneLine(err.Error()))
	var u usageError
	// Before a command runs, every error is the command line's (cobra's
	// unknown commands and flags, argument counts).
	if !e.running || errors.As(err, &u) {
		return ExitUsage
	}
	return ExitFailed
}

// Option extends the command line of a build of ember that links more
// than the core (the Beam runner: github.com/ember-df/ember/cluster/cmd/ember).
type Option func(*config)

type config struct {
	runners map[string]RunnerFlags
}

// RunnerFlags is a runner that `ember run --runner NAME` selects: it
// declares the runner's flags on a flag set that the run command adds to
// its own, and returns what builds the runner once they are parsed.
type RunnerFlags func(fs *flag.FlagSet) (build func() (exec.Runner, error))

// WithRunner adds the runner name to `ember run --runner` ("local", the
// default, is always there).
func WithRunner(name string, flags RunnerFlags) Option {
	return func(c *config) { c.runners[name] = flags }
}

// env is what every command shares: the context, the output streams, the
// options of Main and the root's flags.
type env struct {
	ctx            context.Context
	stdout, stderr io.Writer
	cfg            config
	// The root's flags: --progress, --event-log, --ui.
	progress progressMode
	eventLog string
	uiAddr   string
	// running is set once the command line parsed and a command starts.
	running bool
}

// registry holds the constructors of the commands, one per file, in the
// order their files' init functions ran; cobra lists them sorted.
var registry []func(*env) *cobra.Command

// register adds a command to every ember command line Main builds.
func register(newCommand func(*env) *cobra.Command) {
	registry = append(registry, newCommand)
}

func newRoot(e *env) *cobra.Command {
	root := &cobra.Command{
		Use:   "ember",
		Short: "Peek at data, query it with SQL, score it with models, run saved plans",
		Long: `ember reads files of any format ember supports (csv, csv.gz, tsv, json lines,
parquet, arrow IPC, image folders) on any store (local paths, s3://, gs://,
azblob://, http(s)://), as files, globs or committed directories; it runs
SQL over them, scores them with ONNX models, and runs saved plans.

Exit codes: 0 success; 1 the job failed (worth retrying); 2 the command
cannot succeed as given (bad command line, missing input, unknown format,
bad SQL). A failure prints one line on stderr.`,
		Example: `  ember show data.parquet -n 5
  ember count 'logs/*.csv.gz'
  ember schema s3://b/out
  ember sql --table iris=iris.csv "SELECT species, count(*) AS n FROM iris GROUP BY species"
  ember predict --model iris.onnx --inputs sepal_length,sepal_width,petal_length,petal_width iris.csv out/`,
		// Without a command: a usage error, as before cobra.
		RunE: func(*cobra.Command, []string) error {
			return usagef("no command (see ember --help)")
		},
		PersistentPreRun: func(*cobra.Command, []string) { e.running = true },
		SilenceErrors:    true,
		SilenceUsage:     true,
	}
	root.SetOut(e.stdout)
	root.SetErr(e.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return usageError{fmt.Errorf("%s: %w", strings.TrimPrefix(c.CommandPath(), "ember "), err)}
	})
	pf := root.PersistentFlags()
	pf.Var(&e.progress, "progress", "draw the jobs' progress on stderr: auto (when stderr is a terminal), always or never")
	pf.StringVar(&e.eventLog, "event-log", "", "write the jobs' events as JSON lines to a new file in this directory (ember ui DIR serves them)")
	pf.StringVar(&e.uiAddr, "ui", "", "serve the web UI while the command runs: --ui (on "+defaultUIAddr+") or --ui=ADDR")
	pf.Lookup("ui").NoOptDefVal = defaultUIAddr
	for _, newCommand := range registry {
		root.AddCommand(newCommand(e))
	}
	return root
}

// exactArgs wants exactly n positional arguments, described by what.
func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) != n {
			return usagef("%s: want %s, got %d arguments", c.Name(), what, len(args))
		}
		return nil
	}
}

// minArgs wants at least n positional arguments, described by what.
func minArgs(n int, what string) cobra.PositionalArgs {
	return func(c *cobra.Command, args []string) error {
		if len(args) < n {
			return usagef("%s: want %s, got %d arguments", c.Name(), what, len(args))
		}
		return nil
	}
}

// oneLine keeps an error's first line (a panic's error carries its stack
// on the next ones; the status file keeps them all).
func oneLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}
