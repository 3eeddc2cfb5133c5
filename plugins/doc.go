// Package plugins runs models that live in their own processes: plugin
// binaries built with package plugins/sdk, started and fed by the host
// over hashicorp/go-plugin's gRPC transport.
//
//	model, err := plugins.Open("bin/iris-plugin")
//	df = df.WithColumn("prediction",
//		udf.Predict(model, "sepal_length", "sepal_width", "petal_length", "petal_width"))
//
// A plugin is a udf.Model like any other: Open reads what it takes and
// gives (starting the binary once and stopping it), so the plan checks
// the columns a job passes; udf.Predict batches rows for it, applies the
// error policy and retries. What differs is where the model runs:
//
//   - Processes. A job starts a pool of plugin processes lazily, one per
//     partition that runs at once (Processes changes that), each loaded
//     with its share of the cores, and stops them all when the job ends,
//     whether it succeeded, failed or was cancelled. No process outlives
//     its job; a plugin also exits by itself when its host dies.
//   - Transport. Each batch crosses as an Arrow IPC stream cut into frames
//     of at most 1 MiB in a gRPC stream, never as per-row messages, so no
//     batch size hits a message limit.
//   - Faults. A plugin that crashes, or hangs past BatchTimeout, during a
//     batch is killed; the batch is retried on a fresh process (udf's
//     Retries bound it, then the error policy applies). A plugin that
//     returns the wrong number of rows or columns of the wrong type fails
//     the batch with an error that names it. A binary that is not an
//     ember plugin of this protocol version fails the handshake and is
//     refused.
//   - Security. Only the binary at the path given is run (never a search
//     of PATH); Checksum pins its SHA-256, checked before every start;
//     the connection is a local Unix socket, with mutual TLS on request
//     (AutoMTLS).
//   - Logs. Lines a plugin writes to stderr or stdout reach the host's
//     slog logger tagged with the plugin's name, at the level the plugin
//     logged them with (sdk.Logger), or Info for plain lines.
//
// Plans that use a plugin travel (plan.Marshal): the model is opened
// again from its path where the plan is decoded.
package plugins
