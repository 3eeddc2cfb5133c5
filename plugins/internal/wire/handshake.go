package wire

import (
	"bytes"
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/hashicorp/go-plugin"
)

// ProtocolVersion is the version of this protocol; a host refuses a
// plugin built for another.
const ProtocolVersion = 1

// Handshake is what host and plugin check before they talk: the protocol
// version, and a magic cookie that tells a binary it was started by an
// ember host (run directly, a plugin says so and exits).
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "EMBER_MODEL_PLUGIN",
	MagicCookieValue: "5f1c2e8a9b7d4c36a0e1d2b3c4f50617",
}

// PluginName is the name the model plugin has in go-plugin's plugin set.
const PluginName = "model"

// FrameBytes bounds the bytes of every Predict message, far under gRPC's
// default 4 MiB receive limit.
const FrameBytes = 1 << 20

// Info describes a plugin's model.
type Info struct {
	// Name and Version identify the model in plans, errors and logs.
	Name, Version string
	// Inputs are the columns Predict takes, in order; Outputs the columns
	// it returns.
	Inputs, Outputs *arrow.Schema
	// BatchRows is the batch size the model prefers (0: the engine's).
	BatchRows int
}

// Validate reports what makes an Info unusable.
func (i Info) Validate() error {
	switch {
	case i.Name == "":
		return fmt.Errorf("the plugin declares no name")
	case i.Inputs == nil || i.Inputs.NumFields() == 0:
		return fmt.Errorf("plugin %s declares no inputs", i.Name)
	case i.Outputs == nil || i.Outputs.NumFields() == 0:
		return fmt.Errorf("plugin %s declares no outputs", i.Name)
	case i.BatchRows < 0:
		return fmt.Errorf("plugin %s declares a negative batch size %d", i.Name, i.BatchRows)
	}
	return nil
}

// describeReply is Info as it travels: schemas as Arrow IPC streams.
type describeReply struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Inputs    []byte `json:"inputs"`
	Outputs   []byte `json:"outputs"`
	BatchRows int    `json:"batch_rows"`
}

func encodeInfo(i Info) (*describeReply, error) {
	in, err := encodeSchema(i.Inputs)
	if err != nil {
		return nil, err
	}
	out, err := encodeSchema(i.Outputs)
	if err != nil {
		return nil, err
	}
	return &describeReply{Name: i.Name, Version: i.Version, Inputs: in, Outputs: out, BatchRows: i.BatchRows}, nil
}

func (r *describeReply) decode() (Info, error) {
	in, err := decodeSchema(r.Inputs)
	if err != nil {
		return Info{}, fmt.Errorf("input schema: %w", err)
	}
	out, err := decodeSchema(r.Outputs)
	if err != nil {
		return Info{}, fmt.Errorf("output schema: %w", err)
	}
	return Info{Name: r.Name, Version: r.Version, Inputs: in, Outputs: out, BatchRows: r.BatchRows}, nil
}

// encodeSchema writes s as an Arrow IPC stream without batches.
func encodeSchema(s *arrow.Schema) ([]byte, error) {
	if s == nil {
		return nil, nil
	}
	var b bytes.Buffer
	if err := ipc.NewWriter(&b, ipc.WithSchema(s)).Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func decodeSchema(b []byte) (s *arrow.Schema, err error) {
	if len(b) == 0 {
		return nil, nil
	}
	defer recoverMalformed(&err)
	r, err := ipc.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer r.Release()
	return r.Schema(), nil
}

// recoverMalformed turns a panic of the IPC decoder on malformed input
// into an error.
func recoverMalformed(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("malformed Arrow IPC stream: %v", r)
	}
}
