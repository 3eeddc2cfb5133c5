package plan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/registry"
)

// Plans are values that travel: Marshal turns a plan into JSON that
// Unmarshal rebuilds in another process, so the same plan can run on a
// distributed runner. Sources, file formats and functions take part by
// name through registries; Go closures cannot travel, and a plan holding
// one is refused with an error naming it. So is a type that would not
// decode to itself (see EncodeFields): whatever Marshal accepts,
// Unmarshal rebuilds.
//
// The wire form is versioned: the root node Marshal writes carries the
// format version in its first key,
//
//	{"ember_plan": 2, "op": "project", "inputs": [...], ...}
//
// and Unmarshal reads WireVersion and the unversioned form written before
// versions existed (version 1: the same node without "ember_plan"). It
// refuses any other version with an error wrapping ErrUnsupportedVersion.
// WireVersion goes up when a change would make an older build misread a
// plan; fields an older build may ignore do not raise it.

// WireVersion is the version of the wire form Marshal writes.
const WireVersion = 2

// ErrUnsupportedVersion is wrapped by Unmarshal's error about a plan
// written in a format version this build does not read.
var ErrUnsupportedVersion = errors.New("unsupported plan format version")

// ErrNotPortable is wrapped by Marshal's errors about plan parts that
// cannot leave this process (closures, in-memory data).
var ErrNotPortable = errors.New("plan cannot be serialized")

// Portable is implemented by sources, file formats and functions that can
// be serialized: Kind names the registered decoder, Config is its input.
type Portable interface {
	Kind() string
	Config() (json.RawMessage, error)
}

// The decoders of each portable kind, by kind.
var (
	sources   registry.Registry[func(json.RawMessage) (Source, error)]
	formats   registry.Registry[func(json.RawMessage) (FileFormat, error)]
	functions registry.Registry[func(json.RawMessage) (ScalarFunction, error)]
	batchFns  registry.Registry[func(json.RawMessage) (BatchFunction, error)]
)

// RegisterSource makes sources of a kind decodable; the io packages call
// it from init.
func RegisterSource(kind string, decode func(json.RawMessage) (Source, error)) {
	sources.Set(kind, decode)
}

// RegisterFormat makes file formats of a kind decodable.
func RegisterFormat(kind string, decode func(json.RawMessage) (FileFormat, error)) {
	formats.Set(kind, decode)
}

// RegisterFunctionKind makes user-defined functions of a kind decodable,
// so plans that call them can travel. (RegisterFunction registers a
// built-in function by name; see builtins.go.)
func RegisterFunctionKind(kind string, decode func(json.RawMessage) (ScalarFunction, error)) {
	functions.Set(kind, decode)
}

// RegisterBatchFunction makes batch functions (models) of a kind
// decodable, so plans that apply them can travel.
func RegisterBatchFunction(kind string, decode func(json.RawMessage) (BatchFunction, error)) {
	batchFns.Set(kind, decode)
}

// encoded is the wire form of a node or an expression; which fields are
// set depends on Op.
type encoded struct {
	Version  *int64          `json:"ember_plan,omitempty"` // set on the root only
	Op       string          `json:"op"`
	Name     string          `json:"name,omitempty"`
	Type     string          `json:"type,omitempty"`
	Arrow    *EncodedType    `json:"arrow,omitempty"`
	Value    json.RawMessage `json:"value,omitempty"`
	Kind     string          `json:"kind,omitempty"`
	Config   json.RawMessage `json:"config,omitempty"`
	N        int64           `json:"n,omitempty"`
	Mode     string          `json:"mode,omitempty"`
	Path     string          `json:"path,omitempty"`
	Flags    []bool          `json:"flags,omitempty"`
	Inputs   []*encoded      `json:"inputs,omitempty"`
	Exprs    []*encoded      `json:"exprs,omitempty"`
	Keys     []*encoded      `json:"keys,omitempty"`
	Aggs     []*encoded      `json:"aggs,omitempty"`
	Else     *encoded        `json:"else,omitempty"`
	Children []*encoded      `json:"children,omitempty"`
}

// Marshal encodes n as JSON, in format version WireVersion.
func Marshal(n Node) ([]byte, error) {
	if n == nil {
		return nil, errors.New("plan: no plan to marshal (does the DataFrame hold an error?)")
	}
	e, err := encodeNode(n)
	if err != nil {
		return nil, err
	}
	version := int64(WireVersion)
	e.Version = &version
	// Type names such as struct<a: int64> stay readable in plan dumps.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Unmarshal rebuilds a plan that Marshal encoded, resolving it again. It
// reads format version WireVersion and the unversioned form of version 1.
func Unmarshal(data []byte) (Node, error) {
	var e encoded
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("plan: decoding: %w", err)
	}
	if v := e.Version; v != nil && *v != WireVersion {
		if *v > WireVersion {
			return nil, fmt.Errorf("plan: %w: the plan is version %d, newer than version %d that this build reads (upgrade ember where plans are decoded)",
				ErrUnsupportedVersion, *v, WireVersion)
		}
		return nil, fmt.Errorf("plan: %w: the plan is version %d; this build reads version %d and unversioned plans",
			ErrUnsupportedVersion, *v, WireVersion)
	}
	return decodeNode(&e)
}

// Unportable is implemented by plan parts that can never leave this
// process (rows it holds, say): Marshal's error gives WhyNotPortable,
// which says why and what to do instead.
type Unportable interface {
	WhyNotPortable() string
}

func portable(p any, what string) (string, json.RawMessage, error) {
	if u, ok := p.(Unportable); ok {
		return "", nil, fmt.Errorf("plan: %w: %s: %s", ErrNotPortable, what, u.WhyNotPortable())
	}
	pp, ok := p.(Portable)
	if !ok {
		return "", nil, fmt.Errorf("plan: %w: %s is not portable (it must implement plan.Portable and be registered)", ErrNotPortable, what)
	}
	cfg, err := pp.Config()
	if err != nil {
		return "", nil, fmt.Errorf("plan: encoding %s: %w", what, err)
	}
	return pp.Kind(), cfg, nil
}

// mapAll applies f to every element, stopping at the first error.
func mapAll[T, U any](xs []T, f func(T) (U, error)) ([]U, error) {
	out := make([]U, len(xs))
	for i, x := range xs {
		u, err := f(x)
		if err != nil {
			return nil, err
		}
		out[i] = u
	}
	return out, nil
}

func encodeNode(n Node) (*encoded, error) {
	inputs, err := mapAll(n.Children(), encodeNode)
	if err != nil {
		return nil, err
	}
	e := &encoded{Inputs: inputs}
	switch n := n.(type) {
	case *Scan:
		e.Op = "scan"
		// A worker reads the source's columns, so their types must travel.
		if _, err := encodeFields(n.Source.Schema().Fields()); err != nil {
			return nil, fmt.Errorf("plan: source %s: %w", n.Source, err)
		}
		e.Kind, e.Config, err = portable(n.Source, "source "+n.Source.String())
	case *Project:
		e.Op = "project"
		e.Exprs, err = mapAll(n.Exprs, encodeExpr)
	case *Filter:
		e.Op = "filter"
		e.Exprs, err = mapAll([]Expr{n.Cond}, encodeExpr)
	case *Limit:
		e.Op, e.N = "limit", n.N
	case *Repartition:
		e.Op, e.N = "repartition", int64(n.N)
		e.Keys, err = mapAll(n.Keys, encodeExpr)
	case *Coalesce:
		e.Op, e.N = "coalesce", int64(n.N)
	case *Union:
		e.Op = "union"
	case *Join:
		err = encodeJoin(n, e)
	case *Window:
		err = encodeWindow(n, e)
	case *Hint:
		e.Op, e.Name, e.Kind = "hint", n.Name, n.Alias
	case *Generate:
		err = encodeGenerate(n, e)
	case *Distinct:
		e.Op = "distinct"
	case *Sort:
		e.Op = "sort"
		for _, o := range n.Orders {
			x, err := encodeExpr(o.Expr)
			if err != nil {
				return nil, err
			}
			e.Keys = append(e.Keys, x)
			e.Flags = append(e.Flags, o.Descending, o.NullsFirst)
		}
	case *Aggregate:
		e.Op = "aggregate"
		if e.Keys, err = mapAll(n.Keys, encodeExpr); err != nil {
			return nil, err
		}
		e.Aggs, err = mapAll(n.Aggs, encodeAggExpr)
	case *MapBatches:
		return nil, fmt.Errorf("plan: %w: MapBatches %s runs a Go closure", ErrNotPortable, n.Name)
	case *Evaluate:
		e.Op, e.Name = "evaluate", n.Name
		e.Exprs, err = mapAll([]Expr{n.Call}, encodeExpr)
	case *Write:
		e.Op, e.Path, e.Mode, e.Name = "write", n.Path, n.Mode.String(), n.Job
		if n.NoSync {
			e.Flags = []bool{true}
		}
		for _, c := range n.PartitionBy {
			e.Keys = append(e.Keys, &encoded{Op: "col", Name: c})
		}
		e.Kind, e.Config, err = portable(n.Format, "file format "+n.Format.Name())
	default:
		return nil, fmt.Errorf("plan: %w: node %T", ErrNotPortable, n)
	}
	return e, err
}

func encodeExpr(x Expr) (*encoded, error) {
	children, err := mapAll(x.Children(), encodeExpr)
	if err != nil {
		return nil, err
	}
	e := &encoded{Children: children}
	switch x := x.(type) {
	case *Column:
		e.Op, e.Name, e.N = "col", x.Name, x.PlanID
	case *Literal:
		e.Op = "lit"
		if e.Type, e.Arrow, err = encodeType(x.Type()); err != nil {
			return nil, fmt.Errorf("plan: literal %s: %w", x, err)
		}
		e.Value, err = encodeValue(x.Value)
	case *Alias:
		e.Op, e.Name = "alias", x.Name
	case *Binary:
		e.Op, e.Name = "binary", x.Op.String()
	case *Unary:
		e.Op, e.Name = "unary", x.Op.String()
	case *Cast:
		e.Op = "cast"
		if e.Type, e.Arrow, err = encodeType(x.To); err != nil {
			return nil, fmt.Errorf("plan: %s: %w", x, err)
		}
	case *CaseWhen:
		e.Op, e.N = "case", int64(len(x.Branches))
	case *Concat:
		e.Op = "concat"
	case *MonotonicID:
		e.Op = "monotonic_id"
	case *GetField:
		e.Op, e.Name = "field", x.Name
	case *Builtin:
		e.Op, e.Name = "fn", x.Name
	case *Call:
		e.Op, e.Name = "call", x.Fn.Name()
		e.Kind, e.Config, err = portable(x.Fn, "function "+x.Fn.Name())
	case *BatchCall:
		e.Op, e.Name = "batch_call", x.Fn.Name()
		if e.Kind, e.Config, err = portable(x.Fn, "function "+x.Fn.Name()); err != nil {
			return nil, err
		}
		e.Value, err = json.Marshal(x.Options)
	default:
		return nil, fmt.Errorf("plan: %w: expression %s", ErrNotPortable, x)
	}
	return e, err
}

// encodeValue writes a literal's normalized value; non-finite floats and
// bytes are tagged strings, since JSON has no form for them.
func encodeValue(v any) (json.RawMessage, error) {
	switch v := v.(type) {
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return json.Marshal(map[string]string{"float": strconv.FormatFloat(v, 'g', -1, 64)})
		}
	case []byte:
		return json.Marshal(map[string]string{"bytes": base64.StdEncoding.EncodeToString(v)})
	}
	return json.Marshal(v)
}

func decodeValue(raw json.RawMessage, t arrow.DataType) (any, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	var tagged map[string]string
	if json.Unmarshal(raw, &tagged) == nil {
		if f, ok := tagged["float"]; ok {
			return strconv.ParseFloat(f, 64)
		}
		return base64.StdEncoding.DecodeString(tagged["bytes"])
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	num, ok := v.(json.Number)
	if !ok {
		return v, nil
	}
	switch {
	case isFloat(t):
		return num.Float64()
	case isUnsignedInt(t):
		return strconv.ParseUint(num.String(), 10, 64)
	}
	return num.Int64()
}

// MarshalExpr encodes one expression, for sources that carry a pushed-down
// filter.
func MarshalExpr(e Expr) ([]byte, error) {
	enc, err := encodeExpr(e)
	if err != nil {
		return nil, err
	}
	return json.Marshal(enc)
}

// UnmarshalExpr decodes an expression MarshalExpr encoded and resolves it
// against schema.
func UnmarshalExpr(data []byte, schema *arrow.Schema) (Expr, error) {
	var e encoded
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("plan: decoding: %w", err)
	}
	x, err := decodeExpr(&e)
	if err != nil {
		return nil, err
	}
	return x.Resolve(schema)
}

// EncodeSource returns a portable source's kind and config, for sources
// that wrap other sources.
func EncodeSource(s Source) (string, json.RawMessage, error) {
	return portable(s, "source "+s.String())
}

// DecodeSource rebuilds a source from its kind and config through the
// registry.
func DecodeSource(kind string, config json.RawMessage) (Source, error) {
	decode, ok := sources.Get(kind)
	if !ok {
		return nil, fmt.Errorf("plan: decoding: no source kind %q registered (import its io package)", kind)
	}
	return decode(config)
}
