package wire

import (
	"encoding/json"
	"fmt"

	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
)

// codecName is the content subtype of every call of the service.
const codecName = "ember"

// Frame is one piece of an Arrow IPC stream.
type Frame struct {
	Data []byte
}

// codec sends frames as their bytes, without copying, and control
// messages as JSON.
type codec struct{}

func init() { encoding.RegisterCodecV2(codec{}) }

func (codec) Name() string { return codecName }

func (codec) Marshal(v any) (mem.BufferSlice, error) {
	if f, ok := v.(*Frame); ok {
		// gRPC may hold the bytes after SendMsg returns: the writer
		// never reuses a frame's buffer.
		return mem.BufferSlice{mem.SliceBuffer(f.Data)}, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("wire: encoding %T: %w", v, err)
	}
	return mem.BufferSlice{mem.SliceBuffer(b)}, nil
}

func (codec) Unmarshal(data mem.BufferSlice, v any) error {
	// Materialize copies: gRPC frees data when Unmarshal returns.
	if f, ok := v.(*Frame); ok {
		f.Data = data.Materialize()
		return nil
	}
	if err := json.Unmarshal(data.Materialize(), v); err != nil {
		return fmt.Errorf("wire: decoding %T: %w", v, err)
	}
	return nil
}
