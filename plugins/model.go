package plugins

import (
	"context"
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/udf"
)

// Name implements udf.Model: the name the plugin declares.
func (m *Model) Name() string { return m.info.Name }

// Version is the model version the plugin declares.
func (m *Model) Version() string { return m.info.Version }

// Inputs are the columns the plugin takes, in order.
func (m *Model) Inputs() *arrow.Schema { return m.info.Inputs }

// Outputs are the columns the plugin returns.
func (m *Model) Outputs() *arrow.Schema { return m.info.Outputs }

// String names the plugin and its binary, as errors do.
func (m *Model) String() string {
	return fmt.Sprintf("plugin %s %s (%s)", m.info.Name, m.info.Version, m.cfg.Path)
}

// Key implements udf.Model: the binary and everything that changes the
// processes started from it.
func (m *Model) Key() string {
	return fmt.Sprintf("plugin:%s|args=%q|env=%q|sha256=%s|processes=%d|mtls=%t",
		m.cfg.Path, m.cfg.Args, m.cfg.Env, m.cfg.SHA256, m.cfg.Processes, m.cfg.AutoMTLS)
}

// Hints implements udf.Model: the plugin's preferred batch size, and its
// processes stop when the job that started them ends.
func (m *Model) Hints() udf.Hints {
	return udf.Hints{BatchRows: m.info.BatchRows, ReleaseAfterJob: true}
}

// Bind implements udf.Model: the columns must match the plugin's inputs
// in number and, in order, in type; a numeric column of another numeric
// type is cast to the input's type. It returns the plugin's outputs.
func (m *Model) Bind(args []arrow.Field) ([]arrow.Field, error) {
	want := m.info.Inputs.Fields()
	if len(args) != len(want) {
		return nil, fmt.Errorf("%s takes %d inputs (%s); got %d (%s)", m, len(want), fieldList(want), len(args), fieldList(args))
	}
	for i, a := range args {
		w := want[i]
		if !arrow.TypeEqual(a.Type, w.Type) && !(numeric(a.Type) && numeric(w.Type)) {
			return nil, fmt.Errorf("%s: input %d (%s) is %s; the plugin wants %s for %s", m, i+1, a.Name, a.Type, w.Type, w.Name)
		}
	}
	return m.info.Outputs.Fields(), nil
}

func numeric(t arrow.DataType) bool {
	return arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID())
}

func fieldList(fs []arrow.Field) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = fmt.Sprintf("%s %s", f.Name, f.Type)
	}
	return strings.Join(parts, ", ")
}

// Load implements udf.Model: it returns the job's pool of plugin
// processes, which start on first use.
func (m *Model) Load(ctx context.Context, opts udf.LoadOptions) (udf.Loaded, error) {
	size := m.cfg.Processes
	if size == 0 {
		size = max(1, opts.Parallelism)
	}
	return newPool(m, size, opts.Threads), nil
}
