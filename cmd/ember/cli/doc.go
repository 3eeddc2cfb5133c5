// Package cli is the ember command line (cmd/ember), built on
// github.com/spf13/cobra. Its commands:
//
//   - run, commit, k8s manifest: run saved plans
//     (frame.DataFrameWriter.SavePlan) with the local runner or as the
//     shares of a Kubernetes Indexed Job, commit such a job, and print the
//     Kubernetes manifest that runs one (docs/cli.md);
//   - show, schema, count, head, explain: peek at files of any format
//     ember reads (csv, tsv, json lines, parquet, arrow IPC, image
//     folders), on any store, as files, globs or directories;
//   - sql: a Spark SQL query over files named as tables;
//   - predict: score a file with an ONNX model and write the result.
//
// # Exit codes
//
// Main returns ExitOK (0), ExitFailed (1: the job ran and failed, or a
// store or a model failed; running it again may succeed) or ExitUsage (2:
// the command cannot succeed as given — a bad command line, a missing
// input, an unknown format, bad SQL, columns a model cannot take, a
// destination that exists). A failure prints one line on stderr,
// "ember: <reason>"; --help prints the usage on stdout and exits 0.
//
// # Adding a command
//
// Each command is one file that registers itself from an init function:
//
//	func init() { register(newUICommand) }
//
//	// newUICommand is `ember ui EVENTLOG_DIR`.
//	func newUICommand(e *env) *cobra.Command {
//		return &cobra.Command{
//			Use:   "ui EVENTLOG_DIR",
//			Short: "Serve finished jobs from their event logs",
//			Args:  exactArgs(1, "one EVENTLOG_DIR"),
//			RunE: func(cmd *cobra.Command, args []string) error {
//				return e.withSession(nil, func(sess *frame.Session) error {
//					… // e.ctx, e.stdout; usagef(…) for a bad command line
//				})
//			},
//		}
//	}
//
// An error the command returns exits ExitFailed unless it is a usage
// error (usagef, or usageError{err}); errors of the command line itself
// (unknown flags, wrong argument counts) are usage errors already. The
// env gives the context and the output streams; env.withSession opens
// the session every command runs its jobs in, with what the root's flags
// ask for (--progress, --event-log).
//
// # Linking
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
