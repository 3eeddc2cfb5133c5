// Command ember peeks at data, queries it with SQL, scores it with ONNX
// models, and runs saved ember plans: the binary a terminal, a script, a
// container, a Kubernetes Indexed Job or a pipeline step runs.
//
//	ember show data.parquet -n 5                       # also: schema, count, head, explain
//	ember sql --table iris=iris.csv "SELECT species, count(*) AS n FROM iris GROUP BY species"
//	ember predict --model iris.onnx --inputs a,b,c,d iris.csv out/
//	ember run PLAN [--status FILE]                    # the local runner
//	ember run PLAN --index I --count N [--status FILE] # one share of an Indexed Job
//	ember commit PLAN [--status FILE]                 # the Indexed Job's finishing step
//	ember k8s manifest PLAN --image IMG --parallelism N
//
// Files and plans may be local or at a URL on any store ember supports
// (s3://, gs://, azblob://, http(s)://). The exit code is 0 on success, 1
// when the job failed (worth retrying) and 2 when the command cannot
// succeed as given (a bad command line, a missing file, an unknown
// format, bad SQL, a plan that cannot run this way); a failure prints one
// line on stderr. See package cli, which a program with functions of its
// own reuses, and docs/cli.md.
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
