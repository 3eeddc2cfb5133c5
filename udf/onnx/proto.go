package onnx

import (
	"fmt"

	"google.golang.org/protobuf/encoding/protowire"
)

// ONNX Runtime's C API reports a sequence or map output without its
// element types, which ember needs at plan time to declare the Arrow type
// (map<int64, float32> for skl2onnx's ZipMap). They are read here from the
// model file's protobuf: ModelProto.graph(7).output(12) is a ValueInfoProto
// {name(1), type(2)}; TypeProto is one of tensor_type(1) {elem_type(1)},
// sequence_type(4) {elem_type(1)} or map_type(5) {key_type(1),
// value_type(2)}.

// valueType is the part of an ONNX TypeProto ember uses.
type valueType struct {
	kind  string // "tensor", "sequence", "map"
	elem  int32  // tensor element type (ONNX enum)
	inner *valueType
	key   int32 // map key element type
	value *valueType
}

// onnxElem names the ONNX TensorProto.DataType values ember maps.
var onnxElem = map[int32]string{1: "float32", 2: "uint8", 3: "int8", 5: "int16", 6: "int32", 7: "int64", 8: "string", 9: "bool", 11: "float64"}

// graphOutputTypes returns the types of a model's outputs by name.
func graphOutputTypes(model []byte) (map[string]*valueType, error) {
	out := map[string]*valueType{}
	err := eachField(model, func(num protowire.Number, v []byte) error {
		if num != 7 {
			return nil
		}
		return eachField(v, func(num protowire.Number, v []byte) error {
			if num != 12 {
				return nil
			}
			var name string
			var typ *valueType
			err := eachField(v, func(num protowire.Number, v []byte) (err error) {
				switch num {
				case 1:
					name = string(v)
				case 2:
					typ, err = parseType(v)
				}
				return err
			})
			if err == nil && typ != nil {
				out[name] = typ
			}
			return err
		})
	})
	return out, err
}

func parseType(b []byte) (*valueType, error) {
	t := &valueType{}
	err := eachField(b, func(num protowire.Number, v []byte) error {
		switch num {
		case 1:
			t.kind = "tensor"
			t.elem = int32(firstVarint(v, 1))
		case 4:
			t.kind = "sequence"
			return eachField(v, func(num protowire.Number, v []byte) (err error) {
				if num == 1 {
					t.inner, err = parseType(v)
				}
				return err
			})
		case 5:
			t.kind = "map"
			t.key = int32(firstVarint(v, 1))
			return eachField(v, func(num protowire.Number, v []byte) (err error) {
				if num == 2 {
					t.value, err = parseType(v)
				}
				return err
			})
		}
		return nil
	})
	return t, err
}

// eachField calls fn with every length-delimited field of a message, and
// with varint fields encoded as their value's bytes skipped.
func eachField(b []byte, fn func(protowire.Number, []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("corrupt model protobuf: %w", protowire.ParseError(n))
		}
		b = b[n:]
		if typ == protowire.BytesType {
			v, n := protowire.ConsumeBytes(b)
			if n < 0 {
				return fmt.Errorf("corrupt model protobuf: %w", protowire.ParseError(n))
			}
			if err := fn(num, v); err != nil {
				return err
			}
			b = b[n:]
			continue
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return fmt.Errorf("corrupt model protobuf: %w", protowire.ParseError(n))
		}
		b = b[n:]
	}
	return nil
}

// firstVarint returns the varint field num of a message (0 if absent).
func firstVarint(b []byte, want protowire.Number) uint64 {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return 0
		}
		b = b[n:]
		if num == want && typ == protowire.VarintType {
			v, _ := protowire.ConsumeVarint(b)
			return v
		}
		n = protowire.ConsumeFieldValue(num, typ, b)
		if n < 0 {
			return 0
		}
		b = b[n:]
	}
	return 0
}
