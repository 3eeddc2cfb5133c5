package udf

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ember-df/ember/internal/registry"
	"github.com/ember-df/ember/plan"
)

// Plans travel to other processes (a distributed runner's workers) as
// data, where Go closures cannot follow. A UDF registered by name travels
// as that name: each process that runs the plan registers the same
// function under the same name, typically from a package-level variable
// initialised with MustRegister, and decoding the plan looks it up.

// RegisteredKind is the plan.Portable kind of registered UDFs.
const RegisteredKind = "udf.registered"

var (
	// ErrDuplicateName is wrapped by Register's error when a different
	// function already has the name.
	ErrDuplicateName = errors.New("udf: a different function is already registered under this name")
	// ErrNotRegistered is wrapped by the error of decoding a plan that
	// calls a UDF this process has not registered.
	ErrNotRegistered = errors.New("udf: function not registered")
)

// named holds the registered functions by name.
var named registry.Registry[*Scalar]

func init() {
	plan.RegisterFunctionKind(RegisteredKind, decodeRegistered)
}

// Register adds s to this process's registry under its name, so that
// plans calling it can be serialized (plan.Marshal) and decoded
// (plan.Unmarshal) by a process that registered it too. Registering s
// again is a no-op; registering a different function under a name taken
// fails with an error wrapping ErrDuplicateName. Names are process-wide:
// prefix them with your program's or package's name to avoid clashes.
// Register also reports a typed helper's unsupported result type. It is
// safe for concurrent use.
func Register(s *Scalar) error {
	if s == nil || s.name == "" {
		return errors.New("udf: Register needs a function with a name")
	}
	if s.err != nil {
		return s.err
	}
	if old, _ := named.Add(s.name, s); old != s {
		return fmt.Errorf("%w: %q", ErrDuplicateName, s.name)
	}
	return nil
}

// MustRegister is Register for package-level variables: it returns s, and
// panics where Register fails.
//
//	var fahrenheit = udf.MustRegister(udf.Func1("myapp.fahrenheit", toFahrenheit))
func MustRegister(s *Scalar) *Scalar {
	if err := Register(s); err != nil {
		panic(err)
	}
	return s
}

// Lookup returns the function registered under name.
func Lookup(name string) (*Scalar, bool) {
	return named.Get(name)
}

func (s *Scalar) registered() bool {
	r, ok := Lookup(s.name)
	return ok && r == s
}

var _ plan.Portable = (*Scalar)(nil)

// registeredConfig is a registered UDF's serialized form. Returns lets the
// receiving process notice a function that changed its result type.
type registeredConfig struct {
	Name    string `json:"name"`
	Returns string `json:"returns,omitempty"`
}

// Kind implements plan.Portable.
func (s *Scalar) Kind() string { return RegisteredKind }

// Config implements plan.Portable: a registered function is its name. An
// unregistered one is a closure that cannot leave the process: the error
// wraps plan.ErrNotPortable and names it.
func (s *Scalar) Config() (json.RawMessage, error) {
	if !s.registered() {
		return nil, fmt.Errorf("udf %q: %w: it is an unregistered Go function (udf.Register it in every process that runs the plan)",
			s.name, plan.ErrNotPortable)
	}
	return json.Marshal(registeredConfig{Name: s.name, Returns: s.result.String()})
}

func decodeRegistered(raw json.RawMessage) (plan.ScalarFunction, error) {
	var cfg registeredConfig
	if err := json.Unmarshal(raw, &cfg); err != nil {
		return nil, fmt.Errorf("udf: decoding a registered function: %w", err)
	}
	s, ok := Lookup(cfg.Name)
	if !ok {
		return nil, fmt.Errorf("%w: %q is not registered in this process (udf.Register it before decoding the plan)", ErrNotRegistered, cfg.Name)
	}
	if cfg.Returns != "" && cfg.Returns != s.result.String() {
		return nil, fmt.Errorf("udf %q returns %s in this process, but %s in the plan's", cfg.Name, s.result, cfg.Returns)
	}
	return s, nil
}
