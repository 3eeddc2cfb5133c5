// Package sdk is what a model plugin imports: implement Model, describe
// it with an Info, and call Serve from main.
//
//	func main() {
//		sdk.Serve(sdk.Info{
//			Name:    "iris",
//			Version: "1.0.0",
//			Inputs:  arrow.NewSchema(inputFields, nil),
//			Outputs: arrow.NewSchema([]arrow.Field{{Name: "label", Type: arrow.BinaryTypes.String}}, nil),
//		}, &forest{})
//	}
//
// Built with `go build`, the binary is a plugin that ember's host
// (package plugins) starts, one process per executor slot, and feeds
// batches of rows as Arrow record batches. The binary refuses to run
// unless an ember host started it, and exits when its host goes away,
// however the host ended.
//
// What a plugin writes to stderr or stdout reaches the host's logger
// with the plugin's name; Logger gives a structured logger whose records
// keep their level and attributes there.
package sdk
