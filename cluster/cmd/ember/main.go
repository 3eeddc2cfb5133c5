// Command ember is the ember command line with the Beam runner linked in:
// everything `github.com/ember-df/ember/cmd/ember` does, plus
//
//	ember run PLAN --runner beam [--endpoint HOST:PORT] [--environment LOOPBACK|PROCESS|EXTERNAL]
//	                             [--environment-config CFG] [--worker-binary PATH] [--scratch URL]
//
// which runs a saved plan (exchanges and all) on Apache Beam: on a Prism
// in this process without --endpoint, or on a portable job server (Prism,
// Flink, Spark). It is its own worker binary: with PROCESS or EXTERNAL
// workers and no --worker-binary, the job server stages this very program,
// which serves as a worker when Beam starts it (cluster.Init). The core's
// command does not link Beam (~320 modules); this one, in the cluster
// module, does. See docs/cli.md and docs/cluster.md.
package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"os/signal"
	"syscall"

	"github.com/ember-df/ember/cluster"
	"github.com/ember-df/ember/cmd/ember/cli"
	"github.com/ember-df/ember/exec"
	_ "github.com/ember-df/ember/udf/onnx" // ONNX models in plans
)

func main() {
	cluster.Init() // in a Beam worker process, runs the harness and exits
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr, cli.WithRunner("beam", beamFlags))
	stop()
	os.Exit(code)
}

// beamFlags declares `--runner beam`'s flags.
func beamFlags(fs *flag.FlagSet) func() (exec.Runner, error) {
	endpoint := fs.String("endpoint", "", "beam: the portable job server, host:port (default: Prism in this process)")
	env := fs.String("environment", "", "beam: where workers run: LOOPBACK (default), PROCESS or EXTERNAL")
	envConfig := fs.String("environment-config", "", "beam: PROCESS: the boot loader's path; EXTERNAL: the worker pool's address")
	worker := fs.String("worker-binary", "", "beam: the worker program staged to PROCESS/EXTERNAL workers (default: this program)")
	scratch := fs.String("scratch", "", "beam: where tasks leave results for the driver; every worker must reach it (s3://…)")
	return func() (exec.Runner, error) {
		var opts []cluster.Option
		if *endpoint != "" {
			opts = append(opts, cluster.Endpoint(*endpoint))
		}
		if *env != "" {
			opts = append(opts, cluster.Environment(*env))
		}
		if *envConfig != "" {
			opts = append(opts, cluster.EnvironmentConfig(*envConfig))
		}
		if *env == "PROCESS" || *env == "EXTERNAL" {
			if *endpoint == "" {
				return nil, errors.New("--environment " + *env + " needs --endpoint (a job server)")
			}
			if *worker == "" {
				self, err := os.Executable()
				if err != nil {
					return nil, err
				}
				*worker = self
			}
		}
		if *worker != "" {
			opts = append(opts, cluster.WorkerBinary(*worker))
		}
		if *scratch != "" {
			opts = append(opts, cluster.Scratch(*scratch))
		}
		return cluster.Beam(opts...), nil
	}
}
