package plan_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ember-df/ember/plan"
)

func TestFunctionRegistry(t *testing.T) {
	names := plan.FunctionNames()
	if !slices.IsSorted(names) {
		t.Errorf("FunctionNames is not sorted: %v", names)
	}
	for _, want := range []string{"concat", "upper", "lower", "length", "monotonically_increasing_id", "coalesce", "nvl", "nullif"} {
		if !slices.Contains(names, want) {
			t.Errorf("FunctionNames lacks %s", want)
		}
	}
	b, ok := plan.LookupFunction("UpPeR")
	if !ok {
		t.Fatal("LookupFunction is not case-insensitive")
	}
	e, err := b(plan.Col("s"))
	if err != nil || e.String() != "upper(s)" {
		t.Errorf("upper(s) built %v, %v", e, err)
	}
	if _, err := b(); !errors.Is(err, plan.ErrType) || !strings.Contains(err.Error(), "upper") {
		t.Errorf("upper() error %v, want a type error naming upper", err)
	}
	if _, ok := plan.LookupFunction("no_such_function"); ok {
		t.Error("LookupFunction found no_such_function")
	}
	_, err = plan.CallFunction("no_such_function")
	if err == nil || !strings.Contains(err.Error(), "coalesce") {
		t.Errorf("CallFunction(unknown) error %v, want one listing the functions", err)
	}
}

func TestRegisterFunctionPanicsOnDuplicate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("registering CONCAT again did not panic")
		}
	}()
	plan.RegisterFunction("CONCAT", func(...plan.Expr) (plan.Expr, error) { return nil, nil })
}

func TestBuiltinArity(t *testing.T) {
	if _, err := plan.NewBuiltin("coalesce"); !errors.Is(err, plan.ErrType) || !strings.Contains(err.Error(), "at least 1") {
		t.Errorf("coalesce() error %v", err)
	}
	if _, err := plan.NewBuiltin("nope", plan.Col("x")); err == nil || !strings.Contains(err.Error(), "functions:") {
		t.Errorf("unknown builtin error %v, want one listing the functions", err)
	}
}
