package sql

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/udf"
)

// ErrExists is wrapped by the error of creating a temporary view under a
// name another view has (CreateTempView without replace).
var ErrExists = errors.New("already exists")

// Catalog holds what SQL statements refer to by name: temporary views
// (a name for a logical plan), models and scalar UDFs. Names are
// case-insensitive, as in Spark; listings show them as they were
// registered. A Catalog is safe for concurrent use. The zero value is an
// empty catalog.
type Catalog struct {
	mu     sync.RWMutex
	views  map[string]namedView
	models map[string]namedModel
	funcs  map[string]namedFunc

	// ReadFile, when set, builds the plan that reads files for a table
	// named format.`path` (SELECT * FROM parquet.`/data/x.parquet`, as
	// Spark). It reports false for a format it does not read. Package
	// frame sets it to its readers; without it such names are unknown
	// tables.
	ReadFile func(format, path string) (plan.Node, bool, error)
}

type namedView struct {
	name string
	node plan.Node
}

type namedModel struct {
	name  string
	model udf.Model
}

type namedFunc struct {
	name string
	fn   plan.ScalarFunction
}

// Table describes a temporary view, as Spark's catalog lists one (and
// SHOW TABLES shows it: namespace, tableName, isTemporary).
type Table struct {
	Name        string
	Namespace   string // "" for temporary views, as in Spark
	IsTemporary bool
}

// CreateTempView names a logical plan. With replace it replaces a view of
// that name; without, an existing name is an error wrapping ErrExists.
func (c *Catalog) CreateTempView(name string, n plan.Node, replace bool) error {
	if err := checkName("view", name); err != nil {
		return err
	}
	if n == nil {
		return fmt.Errorf("sql: view %q: no plan (nil)", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := strings.ToLower(name)
	if _, ok := c.views[key]; ok && !replace {
		return fmt.Errorf("sql: temporary view %q %w (replace it with CreateOrReplaceTempView)", name, ErrExists)
	}
	if c.views == nil {
		c.views = map[string]namedView{}
	}
	c.views[key] = namedView{name, n}
	return nil
}

// DropTempView removes the view called name and reports whether there
// was one.
func (c *Catalog) DropTempView(name string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := strings.ToLower(name)
	_, ok := c.views[key]
	delete(c.views, key)
	return ok
}

// TableExists reports whether a view called name exists.
func (c *Catalog) TableExists(name string) bool {
	_, ok := c.View(name)
	return ok
}

// View returns the plan of the view called name.
func (c *Catalog) View(name string) (plan.Node, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, ok := c.views[strings.ToLower(name)]
	return v.node, ok
}

// ListTables returns the views, sorted by name.
func (c *Catalog) ListTables() []Table {
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Table, 0, len(c.views))
	for _, v := range c.views {
		out = append(out, Table{Name: v.name, IsTemporary: true})
	}
	slices.SortFunc(out, func(a, b Table) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out
}

// RegisterModel makes model callable from SQL as name(args…): the call
// is udf.Predict(model, args…), one column (a struct of the outputs for a
// model with several). It replaces a model or UDF registered under the
// same name, and hides a built-in function of that name.
func (c *Catalog) RegisterModel(name string, model udf.Model) error {
	if err := checkName("model", name); err != nil {
		return err
	}
	if model == nil {
		return fmt.Errorf("sql: RegisterModel(%q): nil model", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := strings.ToLower(name)
	delete(c.funcs, key)
	if c.models == nil {
		c.models = map[string]namedModel{}
	}
	c.models[key] = namedModel{name, model}
	return nil
}

// RegisterFunction makes the scalar function fn (a *udf.Scalar, say)
// callable from SQL as name(args…). It replaces a model or UDF registered
// under the same name, and hides a built-in function of that name.
func (c *Catalog) RegisterFunction(name string, fn plan.ScalarFunction) error {
	if err := checkName("function", name); err != nil {
		return err
	}
	if fn == nil {
		return fmt.Errorf("sql: RegisterFunction(%q): nil function", name)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	key := strings.ToLower(name)
	delete(c.models, key)
	if c.funcs == nil {
		c.funcs = map[string]namedFunc{}
	}
	c.funcs[key] = namedFunc{name, fn}
	return nil
}

// function returns the model or UDF registered as name.
func (c *Catalog) function(name string) (udf.Model, plan.ScalarFunction) {
	if c == nil {
		return nil, nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	key := strings.ToLower(name)
	return c.models[key].model, c.funcs[key].fn
}

// functionNames lists the registered models and UDFs.
func (c *Catalog) functionNames() []string {
	if c == nil {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var out []string
	for _, m := range c.models {
		out = append(out, m.name)
	}
	for _, f := range c.funcs {
		out = append(out, f.name)
	}
	return out
}

// viewNames lists the views.
func (c *Catalog) viewNames() []string {
	var out []string
	for _, t := range c.ListTables() {
		out = append(out, t.Name)
	}
	return out
}

func checkName(what, name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("sql: a %s needs a name", what)
	}
	return nil
}
