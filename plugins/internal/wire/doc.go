// Package wire is the protocol between ember and its model plugins: the
// go-plugin handshake, the gRPC service, and the adapters on both sides.
//
// A plugin serves one gRPC service, ember.plugin.v1.Model, over
// go-plugin's local connection (a Unix socket, optionally with automatic
// mutual TLS):
//
//   - Describe returns the plugin's Info: name, version, input and output
//     schemas, preferred batch rows. The host calls it at plan time.
//   - Load loads the model once per process, with the threads the host
//     gives it.
//   - Predict is a bidirectional stream that carries one batch: the host
//     sends the batch as an Arrow IPC stream cut into frames of at most
//     FrameBytes bytes, closes its side, and reads the result back the
//     same way. No gRPC message ever exceeds FrameBytes, whatever the
//     batch's size, and rows never become per-row messages.
//
// Messages use a codec of their own (content subtype "ember"): frames go
// as raw bytes, the small control messages as JSON. A model's own
// failure comes back as codes.Aborted with its message; any other failure
// means the process or the connection broke.
//
// Packages plugins (the host) and plugins/sdk (the plugin) are its only
// users.
package wire
