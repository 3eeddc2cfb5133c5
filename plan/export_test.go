package plan

import (
	"bytes"
	"encoding/json"
)

// RoundTripExpr encodes e and decodes it again without resolving it, so
// tests can check the wire form of expressions that no plan resolves (a
// Cast from a string to a struct).
func RoundTripExpr(e Expr) (Expr, error) {
	enc, err := encodeExpr(e)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(enc)
	if err != nil {
		return nil, err
	}
	var back encoded
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&back); err != nil {
		return nil, err
	}
	return decodeExpr(&back)
}
