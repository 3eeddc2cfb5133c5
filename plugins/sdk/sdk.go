package sdk

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"sync"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plugins/internal/wire"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// Model is what a plugin author implements.
type Model interface {
	// Load loads the model, once per process, before the first Predict.
	// Its error fails the host's job with the message.
	Load(ctx context.Context, opts LoadOptions) error
	// Predict computes the outputs of one batch: batch's columns are the
	// Info's Inputs, in order, without NULLs; the result must have the
	// Info's Outputs as its columns and as many rows as batch. batch is
	// released when Predict returns; the result belongs to the caller.
	// Calls come one at a time. An error fails the batch (the host's
	// error policy decides what becomes of its rows); a panic is
	// recovered and fails the batch the same way.
	Predict(ctx context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error)
}

// Closer is implemented by models that hold resources: Close is called
// once when the host shuts the plugin down.
type Closer interface {
	Close() error
}

// LoadOptions are what the host decides for a load.
type LoadOptions struct {
	// Threads is the number of threads one Predict may use: the host's
	// cores divided among its plugin processes.
	Threads int
}

// Info describes a plugin's model to the host, which checks the columns a
// job passes against it when the job's plan is built.
type Info struct {
	// Name and Version identify the model in plans, errors and logs.
	Name, Version string
	// Inputs are the columns Predict takes, in order (numeric columns of
	// another numeric type are cast by the host); Outputs the columns it
	// returns.
	Inputs, Outputs *arrow.Schema
	// BatchRows is the batch size the model prefers (0: the engine's
	// default).
	BatchRows int
}

// Serve serves model as a plugin and exits when the host shuts it down
// or goes away. It does not return. A binary started by anything but an
// ember host prints what it is and exits with status 1.
func Serve(info Info, model Model) {
	if err := info.wire().Validate(); err != nil {
		fmt.Fprintln(stderr, "ember plugin:", err)
		os.Exit(1)
	}
	if os.Getenv(wire.Handshake.MagicCookieKey) != wire.Handshake.MagicCookieValue {
		fmt.Fprintf(stderr, "%s %s is an ember model plugin: an ember host runs it (plugins.Open(%q)); it does not run on its own.\n", info.Name, info.Version, os.Args[0])
		os.Exit(1)
	}
	go exitWithHost(os.Getppid())
	stopProfile := profile()
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: wire.Handshake,
		Plugins:         plugin.PluginSet{wire.PluginName: GRPCPlugin(info, model)},
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name: info.Name, Level: hclog.Warn, Output: stderr, JSONFormat: true,
		}),
	})
	status := closeModel(model)
	if stopProfile != nil {
		stopProfile()
	}
	os.Exit(status)
}

// closeModel closes a model that is a Closer and returns the exit status.
func closeModel(model Model) int {
	if c, ok := model.(Closer); ok {
		if err := c.Close(); err != nil {
			Logger().Error("closing the model", "error", err)
			return 1
		}
	}
	return 0
}

// GRPCPlugin returns the go-plugin plugin that Serve serves, for programs
// that serve it with go-plugin themselves, and for tests that connect a
// host to it in one process (plugin.TestPluginGRPCConn).
func GRPCPlugin(info Info, model Model) plugin.Plugin {
	return &wire.Plugin{Impl: &server{info: info.wire(), model: model}}
}

func (i Info) wire() wire.Info {
	return wire.Info{Name: i.Name, Version: i.Version, Inputs: i.Inputs, Outputs: i.Outputs, BatchRows: i.BatchRows}
}

// stderr is the process's own standard error: go-plugin redirects
// os.Stderr to the host over gRPC once serving, which loses levels.
var stderr io.Writer = os.Stderr

// Logger returns a logger whose records reach the host's logger with
// their level and attributes, tagged with the plugin's name.
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// exitWithHost ends the process when its parent, the host, has gone,
// however the host ended: the process is reparented then.
func exitWithHost(host int) {
	for range time.Tick(200 * time.Millisecond) {
		if os.Getppid() != host {
			fmt.Fprintln(stderr, "ember plugin: the host has gone; exiting")
			os.Exit(3)
		}
	}
}

// server adapts a Model to the wire protocol: one load, one call at a
// time.
type server struct {
	info  wire.Info
	model Model

	mu     sync.Mutex
	loaded bool
}

func (s *server) Info() wire.Info { return s.info }

func (s *server) Load(ctx context.Context, threads int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.load(ctx, threads)
}

func (s *server) load(ctx context.Context, threads int) error {
	if s.loaded {
		return nil
	}
	if threads <= 0 {
		threads = runtime.NumCPU()
	}
	if err := s.model.Load(ctx, LoadOptions{Threads: threads}); err != nil {
		return err
	}
	s.loaded = true
	return nil
}

func (s *server) Predict(ctx context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.load(ctx, 0); err != nil {
		return nil, fmt.Errorf("loading: %w", err)
	}
	return s.model.Predict(ctx, batch)
}
