package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/ember-df/ember/monitor/ui"
)

func init() { register(newUICommand) }

// newUICommand is `ember ui EVENTLOG_DIR`: the web UI over the finished
// jobs of an event log directory (Spark's history server).
func newUICommand(e *env) *cobra.Command {
	var addr string
	var allowRemote bool
	c := &cobra.Command{
		Use:   "ui EVENTLOG_DIR",
		Short: "Serve the web UI over the jobs of an event log directory",
		Long: `Serve the web UI (jobs, stages with their partitions, plans, model metrics, and
the JSON API /api/jobs) over the jobs that the event logs of EVENTLOG_DIR
recorded — the files that --event-log or frame.WithEventLog write, one per
session — until interrupted. It prints the UI's address on stdout.

The UI binds the loopback interface unless --allow-remote: it has no
authentication, and shows the jobs' plans, paths and errors.`,
		Example: `  ember --event-log events/ predict --model iris.onnx --inputs a,b,c,d iris.csv out/
  ember ui events/                      # http://127.0.0.1:4040
  ember ui events/ --addr 127.0.0.1:0   # any free port`,
		Args: exactArgs(1, "EVENTLOG_DIR"),
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := ui.LoadHistory(args[0], 0)
			if err != nil {
				return usageError{err}
			}
			var opts []ui.Option
			if allowRemote {
				opts = append(opts, ui.AllowRemote())
			}
			server, err := ui.Listen(addr, store, opts...)
			if errors.Is(err, ui.ErrRemoteBind) {
				return usageError{err}
			} else if err != nil {
				return err
			}
			if _, err := fmt.Fprintf(e.stdout, "ember ui: %d jobs of %s on %s\n", len(store.Jobs()), args[0], server.URL()); err != nil {
				server.Close()
				return err
			}
			<-e.ctx.Done()
			return server.Close()
		},
	}
	c.Flags().StringVar(&addr, "addr", ui.DefaultAddr, "address to serve on (host:port; port 0 picks a free one)")
	c.Flags().BoolVar(&allowRemote, "allow-remote", false, "allow an address other machines may reach (the UI has no authentication)")
	return c
}
