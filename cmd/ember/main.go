// Command ember runs saved ember plans: the binary a container, a
// Kubernetes Indexed Job or a pipeline step runs.
//
//	ember run PLAN [--status FILE]                    # the local runner
//	ember run PLAN --index I --count N [--status FILE] # one share of an Indexed Job
//	ember commit PLAN [--status FILE]                 # the Indexed Job's finishing step
//	ember k8s manifest PLAN --image IMG --parallelism N
//
// PLAN is a file that DataFrameWriter.SavePlan wrote, on local disk or
// at a URL on any store ember supports (s3://, gs://, azblob://,
// http(s)://). The exit code is 0 on success, 1 when the job failed (worth
// retrying) and 2 for a bad command line or a plan that cannot run this
// way (not worth retrying); a failure prints one line on stderr. See
// package cli, which a program with functions of its own reuses, and
// docs/cli.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ember-df/ember/cmd/ember/cli"
)

func main() {
	// Kubernetes stops a pod with SIGTERM: the job is cancelled, and its
	// status file says so.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
