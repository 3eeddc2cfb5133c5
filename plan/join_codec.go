package plan

import (
	"encoding/json"
	"fmt"
)

// joinWire holds what a join's wire form carries beyond its inputs and
// condition.
type joinWire struct {
	LeftID  int64 `json:"left_id,omitempty"`
	RightID int64 `json:"right_id,omitempty"`
}

// encodeJoin fills e (whose inputs are encoded) for a join: the type as
// its name, the condition (none for a Using join, whose names are the
// keys) and the inputs' plan IDs.
func encodeJoin(j *Join, e *encoded) error {
	e.Op, e.Name = "join", j.Type.String()
	if len(j.Using) > 0 {
		for _, k := range j.Using {
			e.Keys = append(e.Keys, &encoded{Op: "col", Name: k})
		}
	} else if j.Cond != nil {
		c, err := encodeExpr(j.Cond)
		if err != nil {
			return err
		}
		e.Exprs = []*encoded{c}
	}
	v, err := json.Marshal(joinWire{LeftID: j.LeftID, RightID: j.RightID})
	e.Value = v
	return err
}

// decodeJoin rebuilds a join from its wire form; keys are its decoded
// Keys (the Using names, as columns).
func decodeJoin(e *encoded, inputs []Node, exprs, keys []Expr) (Node, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("plan: decoding: join has %d inputs, want 2", len(inputs))
	}
	typ, err := lookup[JoinType](joinTypeNames[:], e.Name, "join type")
	if err != nil {
		return nil, err
	}
	var w joinWire
	if len(e.Value) > 0 {
		if err := json.Unmarshal(e.Value, &w); err != nil {
			return nil, fmt.Errorf("plan: decoding join: %w", err)
		}
	}
	spec := JoinSpec{Type: typ, LeftID: w.LeftID, RightID: w.RightID}
	switch {
	case len(keys) > 0:
		for _, k := range keys {
			c, ok := k.(*Column)
			if !ok {
				return nil, fmt.Errorf("plan: decoding: join key %s is not a column name", k)
			}
			spec.Using = append(spec.Using, c.Name)
		}
	case len(exprs) == 1:
		spec.On = exprs[0]
	case len(exprs) > 1:
		return nil, fmt.Errorf("plan: decoding: join has %d conditions, want at most 1", len(exprs))
	}
	return NewJoin(inputs[0], inputs[1], spec)
}
