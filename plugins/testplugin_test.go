package plugins

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/plugins/internal/wire"
	"github.com/ember-df/ember/plugins/sdk"
	"github.com/hashicorp/go-plugin"
)

// The test binary doubles as the plugins these tests start (the
// TestHelperProcess pattern): with EMBER_TEST_PLUGIN set, TestMain serves
// a plugin instead of running tests. Its behaviour follows environment
// variables, so that tests can inject faults:
//
//	EMBER_TEST_DIR        where the plugin writes pid-<pid> when it starts,
//	                      and markers that make a fault happen only once
//	EMBER_TEST_CRASH_AT   the process kills itself (SIGKILL) on its n-th batch
//	EMBER_TEST_HANG_AT    the process hangs on its n-th batch
//	EMBER_TEST_ONCE       with a fault: only the first process hits it
//	EMBER_TEST_SLEEP      each batch takes this long (a Go duration); the
//	                      process writes busy-<pid> in EMBER_TEST_DIR first
//	EMBER_TEST_WRONG      "rows" or "schema": the result is wrong so
//	EMBER_TEST_NEGATIVE   a negative x fails the batch with a model error
//	EMBER_TEST_LOAD_FAIL  Load fails with this message
func TestMain(m *testing.M) {
	if mode := os.Getenv("EMBER_TEST_PLUGIN"); mode != "" {
		serveTestPlugin(mode)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

var (
	xSchema       = arrow.NewSchema([]arrow.Field{{Name: "x", Type: arrow.PrimitiveTypes.Float64}}, nil)
	ySchema       = arrow.NewSchema([]arrow.Field{{Name: "y", Type: arrow.PrimitiveTypes.Float64}}, nil)
	payloadSchema = arrow.NewSchema([]arrow.Field{{Name: "payload", Type: arrow.BinaryTypes.Binary}}, nil)
	doublerInfo   = sdk.Info{Name: "doubler", Version: "1.2.3", Inputs: xSchema, Outputs: ySchema, BatchRows: 500}
	echoInfo      = sdk.Info{Name: "echo", Version: "0.1.0", Inputs: payloadSchema, Outputs: payloadSchema}
)

func serveTestPlugin(mode string) {
	if dir := os.Getenv("EMBER_TEST_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("pid-%d", os.Getpid())), nil, 0o644)
	}
	switch mode {
	case "doubler":
		sdk.Serve(doublerInfo, &doubler{})
	case "echo":
		sdk.Serve(echoInfo, echo{})
	case "protocol2":
		handshake := wire.Handshake
		handshake.ProtocolVersion = 2
		plugin.Serve(&plugin.ServeConfig{
			HandshakeConfig: handshake,
			Plugins:         plugin.PluginSet{wire.PluginName: sdk.GRPCPlugin(doublerInfo, &doubler{})},
			GRPCServer:      plugin.DefaultGRPCServer,
		})
	case "nameless":
		sdk.Serve(sdk.Info{Inputs: xSchema, Outputs: ySchema}, &doubler{})
	default:
		fmt.Println("not a plugin:", mode)
	}
}

// doubler computes y = 2x, with the faults the environment asks for.
type doubler struct{ batches int }

func (d *doubler) Load(ctx context.Context, opts sdk.LoadOptions) error {
	if msg := os.Getenv("EMBER_TEST_LOAD_FAIL"); msg != "" {
		return errors.New(msg)
	}
	if os.Getenv("EMBER_TEST_LOAD_HANG") != "" {
		select {}
	}
	if code := envInt("EMBER_TEST_LOAD_EXIT"); code != 0 {
		// sdk.Logger writes to the process's own stderr, which the host
		// reads to the end; os.Stderr goes over the connection once
		// serving, and what is in flight when the process exits is lost.
		sdk.Logger().Error("cannot map the weights")
		os.Exit(code)
	}
	fmt.Fprintln(os.Stderr, "a plain line from the plugin")
	sdk.Logger().Warn("loaded the doubler", "threads", opts.Threads)
	return nil
}

func (d *doubler) Predict(ctx context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	d.batches++
	if envInt("EMBER_TEST_CRASH_AT") == d.batches && firstTime("crashed") {
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
	}
	if envInt("EMBER_TEST_HANG_AT") == d.batches && firstTime("hung") {
		select {}
	}
	if s := os.Getenv("EMBER_TEST_SLEEP"); s != "" {
		d, _ := time.ParseDuration(s)
		if dir := os.Getenv("EMBER_TEST_DIR"); dir != "" {
			os.WriteFile(filepath.Join(dir, fmt.Sprintf("busy-%d", os.Getpid())), nil, 0o644)
		}
		time.Sleep(d)
	}
	x := batch.Column(0).(*array.Float64)
	b := array.NewFloat64Builder(memory.DefaultAllocator)
	defer b.Release()
	for i := range x.Len() {
		if x.Value(i) < 0 && os.Getenv("EMBER_TEST_NEGATIVE") != "" {
			return nil, fmt.Errorf("cannot double a negative number (%v)", x.Value(i))
		}
		b.Append(2 * x.Value(i))
	}
	y := b.NewArray()
	defer y.Release()
	switch os.Getenv("EMBER_TEST_WRONG") {
	case "rows":
		short := array.NewSlice(y, 0, int64(y.Len()-1))
		defer short.Release()
		return array.NewRecordBatch(ySchema, []arrow.Array{short}, int64(short.Len())), nil
	case "schema":
		return array.NewRecordBatch(xSchema, []arrow.Array{y}, int64(y.Len())), nil
	}
	return array.NewRecordBatch(ySchema, []arrow.Array{y}, int64(y.Len())), nil
}

// echo returns its batch.
type echo struct{}

func (echo) Load(context.Context, sdk.LoadOptions) error { return nil }
func (echo) Predict(_ context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	batch.Retain()
	return batch, nil
}

func envInt(name string) int {
	n, _ := strconv.Atoi(os.Getenv(name))
	return n
}

// firstTime reports whether this is the first process of the test to get
// here (always true without EMBER_TEST_ONCE).
func firstTime(marker string) bool {
	if os.Getenv("EMBER_TEST_ONCE") == "" {
		return true
	}
	f, err := os.OpenFile(filepath.Join(os.Getenv("EMBER_TEST_DIR"), marker), os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false
	}
	f.Close()
	return true
}
