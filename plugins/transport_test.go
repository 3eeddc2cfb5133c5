package plugins

import (
	"bytes"
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/plugins/internal/wire"
	"github.com/ember-df/ember/plugins/sdk"
	"github.com/ember-df/ember/udf"
	"github.com/hashicorp/go-plugin"
)

// TestInProcessHostAndPlugin wires the host's pool and the sdk's server
// in one process, over go-plugin's test connection: the whole protocol
// without a subprocess.
func TestInProcessHostAndPlugin(t *testing.T) {
	client, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{
		wire.PluginName: sdk.GRPCPlugin(doublerInfo, &doubler{}),
	})
	// Close asks the server to shut down (go-plugin's controller), which
	// stops it; stopping it here as well raced inside go-plugin, whose
	// GRPCServer.Stop is not safe for concurrent use.
	defer client.Close()
	raw, err := client.Dispense(wire.PluginName)
	if err != nil {
		t.Fatal(err)
	}
	conn := raw.(*wire.Client)
	info, err := conn.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "doubler" || info.Version != "1.2.3" || !info.Inputs.Equal(xSchema) || !info.Outputs.Equal(ySchema) || info.BatchRows != 500 {
		t.Fatalf("info %+v", info)
	}
	starts := 0
	m := &Model{
		cfg:    config{Path: "in-process", BatchTimeout: time.Minute},
		info:   info,
		logger: slog.New(slog.DiscardHandler),
		start: func(ctx context.Context, threads int) (*worker, error) {
			starts++
			if err := conn.Load(ctx, threads); err != nil {
				return nil, err
			}
			return &worker{client: conn, stop: func(bool) {}, exitState: func() string { return "" }}, nil
		},
	}
	sess := checkedSession(t)
	requireDoubled(t, collect(t, numbers(t, sess, 20000, 1, nil).WithColumn("y", udf.Predict(m, "x"))), 20000)
	if starts != 1 {
		t.Fatalf("%d workers started for a one-partition job", starts)
	}
}

// TestLargeBatchesAreChunked sends a 100 MB batch each way: no gRPC
// message exceeds the frame size, so no limit is hit.
func TestLargeBatchesAreChunked(t *testing.T) {
	if testing.Short() {
		t.Skip("100 MB each way")
	}
	m := newTestPlugin(t, "echo").open(t)
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	const rows, rowBytes = 100, 1 << 20
	b := array.NewBinaryBuilder(mem, arrow.BinaryTypes.Binary)
	row := make([]byte, rowBytes)
	for i := range rows {
		for j := range row {
			row[j] = byte(i + j)
		}
		b.Append(row)
	}
	in := b.NewArray()
	b.Release()
	defer in.Release()
	loaded, err := m.Load(context.Background(), udf.LoadOptions{Threads: 1, Parallelism: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer loaded.Close()
	out, err := loaded.Predict(compute.WithAllocator(context.Background(), mem), []arrow.Array{in}, rows)
	if err != nil {
		t.Fatal(err)
	}
	defer out[0].Release()
	got, want := out[0].(*array.Binary), in.(*array.Binary)
	for i := range rows {
		if !bytes.Equal(got.Value(i), want.Value(i)) {
			t.Fatalf("row %d differs after the round trip", i)
		}
	}
}

// TestNullsNeverReachThePlugin: rows with NULL inputs fail in the host
// (a model needs a value for every input) and the others are scored.
func TestNullsNeverReachThePlugin(t *testing.T) {
	m := newTestPlugin(t, "doubler").open(t)
	sess := checkedSession(t)
	df := numbers(t, sess, 10, 1, nil).WithColumn("x", frame.When(frame.Col("x").Gt(frame.Lit(4.0)), frame.Lit(nil)).Otherwise(frame.Col("x")))
	tbl := collect(t, df.WithColumn("y", udf.Predict(m, "x").OnErrorNull("")))
	y := tbl.Column(1).Data().Chunk(0)
	if y.NullN() != 5 {
		t.Fatalf("%d NULL predictions, want 5 (the NULL inputs)", y.NullN())
	}
}
