package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/sql"
	"github.com/ember-df/ember/udf"
)

// Catalog is a session's catalog of temporary views, as Spark's
// spark.catalog: Session.Catalog returns it. View names are
// case-insensitive.
type Catalog struct{ sess *Session }

// Table describes a temporary view (ListTables, SHOW TABLES).
type Table = sql.Table

// Catalog returns the session's catalog.
func (s *Session) Catalog() *Catalog { return &Catalog{sess: s} }

// ListTables returns the temporary views, sorted by name.
func (c *Catalog) ListTables() []Table { return c.sess.catalog.ListTables() }

// DropTempView removes the temporary view called name and reports whether
// there was one. DataFrames already planned from it keep working.
func (c *Catalog) DropTempView(name string) bool { return c.sess.catalog.DropTempView(name) }

// TableExists reports whether a temporary view called name exists.
func (c *Catalog) TableExists(name string) bool { return c.sess.catalog.TableExists(name) }

// CreateTempView names df for SQL (Session.SQL) in its session: a lazy
// view, planned again by every query that reads it. A view of that name
// already existing is an error wrapping sql.ErrExists; so is an error df
// holds.
func (df *DataFrame) CreateTempView(name string) error { return df.createView(name, false) }

// CreateOrReplaceTempView is CreateTempView, replacing a view of that
// name. Queries planned before keep reading the view they found.
func (df *DataFrame) CreateOrReplaceTempView(name string) error { return df.createView(name, true) }

func (df *DataFrame) createView(name string, replace bool) error {
	if err := df.failure(); err != nil {
		return err
	}
	if df.sess == nil {
		return fmt.Errorf("frame: CreateTempView(%q): the DataFrame has no session", name)
	}
	if err := df.sess.catalog.CreateTempView(name, df.node, replace); err != nil {
		return fmt.Errorf("frame: CreateTempView(%q): %w", name, err)
	}
	return nil
}

// RegisterModel makes model callable from the session's SQL as name(…):
// SELECT categoria(descricao) FROM produtos applies model to the column
// descricao, as udf.Predict(model, "descricao") does. Registering a name
// again replaces the model or UDF registered under it.
func (s *Session) RegisterModel(name string, model udf.Model) error {
	return s.catalog.RegisterModel(name, model)
}

// RegisterUDF makes the scalar function fn (a *udf.Scalar, from
// udf.NewScalar or udf.Func1…) callable from the session's SQL as
// name(…). Registering a name again replaces the model or UDF registered
// under it.
func (s *Session) RegisterUDF(name string, fn plan.ScalarFunction) error {
	return s.catalog.RegisterFunction(name, fn)
}
