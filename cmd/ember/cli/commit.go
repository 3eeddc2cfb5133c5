package cli

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/frame"
)

func init() { register(newCommitCommand) }

// newCommitCommand is `ember commit PLAN`: an Indexed Job's finishing step.
func newCommitCommand(e *env) *cobra.Command {
	var statusPath string
	c := &cobra.Command{
		Use:   "commit PLAN",
		Short: "Commit the output of an Indexed Job's shares (the finishing step)",
		Long: `Commit what the shares of a plan run by ember run --index I --count N recorded,
once every index has succeeded: the destination becomes the job's dataset.
It is idempotent; while an index has not succeeded it fails (exit 1) and
changes nothing.`,
		Args: exactArgs(1, "one PLAN"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := e.ctx
			st := newStatus(ctx, statusPath, "commit", args[0])
			if err := st.write(); err != nil {
				return err
			}
			p, err := readPlan(ctx, args[0])
			if err != nil {
				return st.end(nil, err)
			}
			st.Job = p.Job
			return e.withSession([]frame.Option{frame.WithModelKeepAlive(0)}, func(sess *frame.Session) error {
				err = sess.CommitPlan(ctx, p)
				if errors.Is(err, exec.ErrNotMapOnly) {
					err = usageError{err}
				}
				return st.end(nil, err)
			})
		},
	}
	c.Flags().StringVar(&statusPath, "status", "", "write the commit's status (JSON) to this file or URL")
	return c
}
