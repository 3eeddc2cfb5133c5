package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
)

func init() { register(newRunCommand) }

// newRunCommand is `ember run PLAN`: run a saved plan with the local
// runner, a runner of Main's options, or one share of an Indexed Job.
func newRunCommand(e *env) *cobra.Command {
	var (
		runnerName, statusPath string
		index, count           int
		parallelism            int
	)
	names := []string{"local"}
	runnerFlags := flag.NewFlagSet("run", flag.ContinueOnError)
	builders := map[string]func() (exec.Runner, error){}
	for name, flags := range e.cfg.runners {
		names = append(names, name)
		builders[name] = flags(runnerFlags)
	}
	slices.Sort(names[1:])
	c := &cobra.Command{
		Use:   "run PLAN",
		Short: "Run a saved plan (DataFrameWriter.SavePlan), or one share of it as an Indexed Job",
		Long: `Run a saved plan (DataFrameWriter.SavePlan) and commit its output, with the
local runner or the one --runner names; with --index I --count N, run one share
of a map-only plan, as a pod of a Kubernetes Indexed Job does (then ember commit).
PLAN is a file or a URL (s3://, gs://, azblob://, http(s)://).`,
		Example: `  ember run plan.json --status status.json
  ember run plan.json --index 3 --count 8`,
		Args: exactArgs(1, "one PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			shares := index >= 0 || count > 0
			if shares && (count <= 0 || index < 0 || index >= count) {
				return usagef("run: --index %d --count %d: want 0 <= index < count", index, count)
			}
			var runner exec.Runner
			if runnerName != "local" {
				build, ok := builders[runnerName]
				switch {
				case !ok:
					return usagef("run: --runner %s: this build of ember has %s", runnerName, strings.Join(names, ", "))
				case shares:
					return usagef("run: --index/--count run a share in this process with the local runner; --runner %s runs the whole job", runnerName)
				}
				var err error
				if runner, err = build(); err != nil {
					return usageError{fmt.Errorf("run: --runner %s: %w", runnerName, err)}
				}
			}
			return runPlan(e, args[0], statusPath, runner, shares, index, count, parallelism)
		},
	}
	f := c.Flags()
	f.StringVar(&runnerName, "runner", "local", "the runner: "+strings.Join(names, ", "))
	f.StringVar(&statusPath, "status", "", "write the job's status (JSON) to this file or URL")
	f.IntVar(&index, "index", -1, "run only this share of the plan's partitions (an Indexed Job's index)")
	f.IntVar(&count, "count", 0, "the number of shares (an Indexed Job's completions)")
	f.IntVar(&parallelism, "parallelism", 0, "tasks that run at once (default: the plan's setting)")
	f.AddGoFlagSet(runnerFlags)
	return c
}

func runPlan(e *env, planPath, statusPath string, runner exec.Runner, shares bool, index, count, parallelism int) error {
	ctx := e.ctx
	st := newStatus(ctx, statusPath, "run", planPath)
	if shares {
		st.Index, st.Count = &index, count
	}
	if err := st.write(); err != nil {
		return err
	}
	p, err := readPlan(ctx, planPath)
	if err != nil {
		return st.end(nil, err)
	}
	st.Job = p.Job
	opts := []frame.Option{frame.WithModelKeepAlive(0)}
	switch {
	case runner != nil:
		opts = append(opts, frame.WithRunner(runner))
	case !shares && parallelism > 0:
		opts = append(opts, frame.WithRunner(exec.Local{Config: exec.Config{Parallelism: parallelism}}))
	}
	return e.withSession(opts, func(sess *frame.Session) error {
		var m exec.Metrics
		if shares {
			m, err = sess.RunPlanShare(ctx, p, index, count, parallelism)
			if errors.Is(err, exec.ErrNotMapOnly) {
				err = usageError{err}
			}
		} else {
			m, err = sess.RunPlan(ctx, p)
		}
		return st.end(&m, err)
	})
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
