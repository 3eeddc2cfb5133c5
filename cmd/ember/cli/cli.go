// Package cli is the ember command line (cmd/ember): it runs saved plans
// (frame.DataFrameWriter.SavePlan) with the local runner or as the shares
// of a Kubernetes Indexed Job, commits such a job, and prints the
// Kubernetes manifest that runs one.
//
// A plan names its sources, file formats, functions and models by
// registered name, so the binary that runs it must link what registers
// them. This package links every io format, ONNX models (udf/onnx),
// plugin models and the cloud stores (storage/cloud); a program whose
// plans call functions of its own registers them and calls Main:
//
//	func main() {
//		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
//		defer stop()
//		os.Exit(cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr))
//	}
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"

	_ "github.com/ember-df/ember/plugins"       // plugin models ("plugin")
	_ "github.com/ember-df/ember/storage/cloud" // s3://, gs://, azblob://
	_ "github.com/ember-df/ember/udf/onnx"      // ONNX models ("onnx")
)

// Exit codes of Main.
const (
	// ExitOK: the command succeeded.
	ExitOK = 0
	// ExitFailed: the job failed; running it again may succeed (a
	// Kubernetes Job retries it).
	ExitFailed = 1
	// ExitUsage: a bad command line, or a plan that cannot run the way it
	// was asked to (unreadable, a plan with exchanges as an Indexed Job);
	// running it again cannot succeed.
	ExitUsage = 2
)

const usage = `usage:
  ember run PLAN [--status FILE] [--parallelism N] [--runner NAME ...runner flags]
  ember run PLAN --index I --count N [--status FILE] [--parallelism N]
  ember commit PLAN [--status FILE]
  ember k8s manifest PLAN --image IMAGE --parallelism N [--name NAME] [--namespace NS]
                          [--plan-url URL] [--backoff-limit-per-index N] [--env-secret NAME]
PLAN is a saved plan (DataFrameWriter.SavePlan): a file or a URL (s3://, gs://, azblob://, http(s)://).`

// usageError is a bad command line or a plan that cannot run as asked:
// exit code ExitUsage.
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
	err := dispatch(ctx, args, stdout, cfg)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintln(stderr, "ember: "+oneLine(err.Error()))
	var u usageError
	if errors.As(err, &u) || errors.Is(err, flag.ErrHelp) {
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
// declares the runner's flags on the run command's flag set and returns
// what builds the runner once they are parsed.
type RunnerFlags func(fs *flag.FlagSet) (build func() (exec.Runner, error))

// WithRunner adds the runner name to `ember run --runner` ("local", the
// default, is always there).
func WithRunner(name string, flags RunnerFlags) Option {
	return func(c *config) { c.runners[name] = flags }
}

func dispatch(ctx context.Context, args []string, stdout io.Writer, cfg config) error {
	if len(args) == 0 {
		return usagef("no command (see ember help)")
	}
	switch args[0] {
	case "run":
		return runCommand(ctx, args[1:], cfg)
	case "commit":
		return commitCommand(ctx, args[1:])
	case "k8s":
		if len(args) < 2 || args[1] != "manifest" {
			return usagef("k8s: want \"k8s manifest\" (see ember help)")
		}
		return manifestCommand(ctx, args[2:], stdout)
	case "help", "-h", "-help", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return usagef("unknown command %q (see ember help)", args[0])
}

// oneLine keeps an error's first line (a panic's error carries its stack
// on the next ones; the status file keeps them all).
func oneLine(s string) string {
	first, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return first
}

// parse parses flags that may come before, between and after the
// positional arguments, which it returns; it wants exactly want of them.
func parse(fs *flag.FlagSet, args []string, want int, what string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{fmt.Errorf("%s: %w", fs.Name(), err)}
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(pos) != want {
		return nil, usagef("%s: want %s, got %d arguments", fs.Name(), what, len(pos))
	}
	return pos, nil
}

// readPlan reads a saved plan; a plan that cannot be read or decoded is
// a usage error, except a store that failed to answer.
func readPlan(ctx context.Context, path string) (*frame.SavedPlan, error) {
	p, err := frame.ReadPlan(ctx, path)
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return nil, usageError{err}
	}
	return p, err
}

func runCommand(ctx context.Context, args []string, cfg config) error {
	fs := flag.NewFlagSet("run", flag.ContinueOnError)
	names := []string{"local"}
	builders := map[string]func() (exec.Runner, error){}
	for name, flags := range cfg.runners {
		names = append(names, name)
		builders[name] = flags(fs)
	}
	slices.Sort(names[1:])
	runnerName := fs.String("runner", "local", "the runner: "+strings.Join(names, ", "))
	statusPath := fs.String("status", "", "write the job's status (JSON) to this file or URL")
	index := fs.Int("index", -1, "run only this share of the plan's partitions (an Indexed Job's index)")
	count := fs.Int("count", 0, "the number of shares (an Indexed Job's completions)")
	parallelism := fs.Int("parallelism", 0, "tasks that run at once (default: the plan's setting)")
	pos, err := parse(fs, args, 1, "one PLAN")
	if err != nil {
		return err
	}
	shares := *index >= 0 || *count > 0
	if shares && (*count <= 0 || *index < 0 || *index >= *count) {
		return usagef("run: --index %d --count %d: want 0 <= index < count", *index, *count)
	}
	var runner exec.Runner
	if *runnerName != "local" {
		build, ok := builders[*runnerName]
		switch {
		case !ok:
			return usagef("run: --runner %s: this build of ember has %s", *runnerName, strings.Join(names, ", "))
		case shares:
			return usagef("run: --index/--count run a share in this process with the local runner; --runner %s runs the whole job", *runnerName)
		}
		var err error
		if runner, err = build(); err != nil {
			return usageError{fmt.Errorf("run: --runner %s: %w", *runnerName, err)}
		}
	}
	st := newStatus(ctx, *statusPath, "run", pos[0])
	if shares {
		st.Index, st.Count = index, *count
	}
	if err := st.write(); err != nil {
		return err
	}
	p, err := readPlan(ctx, pos[0])
	if err != nil {
		return st.end(nil, err)
	}
	st.Job = p.Job
	opts := []frame.Option{frame.WithModelKeepAlive(0)}
	switch {
	case runner != nil:
		opts = append(opts, frame.WithRunner(runner))
	case !shares && *parallelism > 0:
		opts = append(opts, frame.WithRunner(exec.Local{Config: exec.Config{Parallelism: *parallelism}}))
	}
	sess := frame.NewSession(opts...)
	defer sess.Close()
	var m exec.Metrics
	if shares {
		m, err = sess.RunPlanShare(ctx, p, *index, *count, *parallelism)
		if errors.Is(err, exec.ErrNotMapOnly) {
			err = usageError{err}
		}
	} else {
		m, err = sess.RunPlan(ctx, p)
	}
	return st.end(&m, err)
}

func commitCommand(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("commit", flag.ContinueOnError)
	statusPath := fs.String("status", "", "write the commit's status (JSON) to this file or URL")
	pos, err := parse(fs, args, 1, "one PLAN")
	if err != nil {
		return err
	}
	st := newStatus(ctx, *statusPath, "commit", pos[0])
	if err := st.write(); err != nil {
		return err
	}
	p, err := readPlan(ctx, pos[0])
	if err != nil {
		return st.end(nil, err)
	}
	st.Job = p.Job
	sess := frame.NewSession(frame.WithModelKeepAlive(0))
	defer sess.Close()
	err = sess.CommitPlan(ctx, p)
	if errors.Is(err, exec.ErrNotMapOnly) {
		err = usageError{err}
	}
	return st.end(nil, err)
}
