package plan

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
)

// idFunction is a batch function returning its one argument's type; plan
// tests never run it.
type idFunction struct{ name string }

func (f idFunction) Name() string                                    { return f.name }
func (f idFunction) Bind(args []arrow.Field) (arrow.DataType, error) { return args[0].Type, nil }
func (f idFunction) Batching() Batching                              { return Batching{} }
func (f idFunction) Open(context.Context, JobEnv) (BatchRunner, error) {
	return nil, errors.New("not run")
}

func call(name string, arg Expr, opts CallOptions) *BatchCall {
	return &BatchCall{Fn: idFunction{name}, Args: []Expr{arg}, Options: opts}
}

// evaluates lists the Evaluate nodes under n, outermost first.
func evaluates(n Node) []*Evaluate {
	var out []*Evaluate
	for n != nil {
		if e, ok := n.(*Evaluate); ok {
			out = append(out, e)
		}
		kids := n.Children()
		if len(kids) == 0 {
			break
		}
		n = kids[0]
	}
	return out
}

func TestProjectionNamesTheOuterCallAfterTheColumn(t *testing.T) {
	inner := call("decode", Col("s"), CallOptions{})
	outer := call("model", inner, CallOptions{})
	n, err := Projection(testScan(t), Col("a"), &Alias{Child: outer, Name: "prediction"})
	if err != nil {
		t.Fatal(err)
	}
	evs := evaluates(n)
	if len(evs) != 2 || evs[0].Name != "prediction" || evs[1].Name != "_decode_0" {
		t.Fatalf("Evaluate nodes %v", evs)
	}
	if got := n.Schema().Field(1).Name; got != "prediction" {
		t.Fatalf("schema %s", n.Schema())
	}
}

func TestNestedCallsInheritThePolicy(t *testing.T) {
	cases := []struct {
		name       string
		inner      CallOptions
		outer      CallOptions
		wantInner  ErrorPolicy
		wantOutput []string // the projection's columns
	}{
		{"null shares the error column", CallOptions{}, CallOptions{OnError: SetNull, ErrorColumn: "error"}, SetNull, []string{"a", "p", "error"}},
		{"dead letter", CallOptions{}, CallOptions{OnError: DeadLetter, DeadLetterDir: "/tmp/dead"}, DeadLetter, []string{"a", "p"}},
		{"fail fast stays", CallOptions{}, CallOptions{}, FailFast, []string{"a", "p"}},
		{"own policy kept", CallOptions{OnError: SetNull, ErrorColumn: "decode_error"}, CallOptions{OnError: SetNull, ErrorColumn: "error"}, SetNull, []string{"a", "p", "decode_error", "error"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			outer := call("model", call("decode", Col("s"), c.inner), c.outer)
			n, err := Projection(testScan(t), Col("a"), &Alias{Child: outer, Name: "p"})
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range n.Schema().Fields() {
				names = append(names, f.Name)
			}
			if !slices.Equal(names, c.wantOutput) {
				t.Fatalf("columns %v, want %v", names, c.wantOutput)
			}
			evs := evaluates(n)
			innerEv, outerEv := evs[1], evs[0]
			if innerEv.Call.Options.OnError != c.wantInner {
				t.Fatalf("inner policy %s, want %s", innerEv.Call.Options.OnError, c.wantInner)
			}
			if c.outer.OnError == DeadLetter && innerEv.Call.Options.DeadLetterDir != c.outer.DeadLetterDir {
				t.Fatalf("inner dead letters go to %q", innerEv.Call.Options.DeadLetterDir)
			}
			shared := c.outer.ErrorColumn != "" && c.inner.ErrorColumn == ""
			if outerEv.SharesErrorColumn() != shared {
				t.Fatalf("outer shares the error column: %v, want %v", outerEv.SharesErrorColumn(), shared)
			}
			if shared && !slices.Equal(outerEv.Outputs(), []string{"p"}) {
				t.Fatalf("outer outputs %v; the shared error column is the inner's", outerEv.Outputs())
			}
		})
	}
}
