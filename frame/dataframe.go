package frame

import (
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// DataFrame is an immutable, lazily evaluated table: a logical plan plus
// the session that runs it. Transformations return new DataFrames; a
// DataFrame is safe for concurrent use.
type DataFrame struct {
	sess *Session
	node plan.Node
	err  error
	// id is the DataFrame's plan ID, given on first use and inherited by
	// the DataFrames derived from it: a join tags its columns with the
	// IDs of its inputs, so that df.Col finds df's (see planID).
	id atomic.Int64
}

// Err returns the first error any transformation leading to df met, or
// nil.
func (df *DataFrame) Err() error { return df.failure() }

// errNilDataFrame is the error of a nil *DataFrame: every step on one
// gives a DataFrame holding it, and every action returns it.
var errNilDataFrame = errors.New("frame: nil DataFrame (DataFrames come from a Session: Read, CreateDataFrame, FromTable)")

// failure is the error df holds, or errNilDataFrame for a nil df.
func (df *DataFrame) failure() error {
	if df == nil {
		return errNilDataFrame
	}
	return df.err
}

// Schema returns the schema of df's rows (nil if df holds an error).
func (df *DataFrame) Schema() *arrow.Schema {
	if df.failure() != nil {
		return nil
	}
	return df.node.Schema()
}

// Columns returns the column names.
func (df *DataFrame) Columns() []string {
	s := df.Schema()
	if s == nil {
		return nil
	}
	names := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		names[i] = f.Name
	}
	return names
}

// Plan returns df's logical plan, unoptimized (nil if df holds an error).
func (df *DataFrame) Plan() plan.Node {
	if df == nil {
		return nil
	}
	return df.node
}

// derive adds a transformation: build returns the new plan over df's, or
// an error that sticks to the result, prefixed with what.
func (df *DataFrame) derive(what string, build func(in plan.Node) (plan.Node, error)) *DataFrame {
	if err := df.failure(); err != nil {
		if df == nil {
			return &DataFrame{err: err}
		}
		return df
	}
	n, err := build(df.node)
	if err != nil {
		return &DataFrame{sess: df.sess, err: fmt.Errorf("frame: %s: %w", what, err)}
	}
	out := &DataFrame{sess: df.sess, node: n}
	out.id.Store(df.planID())
	return out
}

// columnsOf turns Select-style arguments into expressions; "*" expands to
// every column of in, "s.*" to every field of the struct column s.
func columnsOf(in *arrow.Schema, cols []any) []plan.Expr {
	var out []plan.Expr
	for _, c := range cols {
		switch c := c.(type) {
		case string:
			if c == "*" {
				for i := range in.Fields() {
					out = append(out, fieldRef(in, i))
				}
				continue
			}
			if s, ok := strings.CutSuffix(c, ".*"); ok && len(in.FieldIndices(c)) == 0 {
				out = append(out, structFields(in, s)...)
				continue
			}
			out = append(out, plan.Col(c))
		default:
			out = append(out, column(c, "Select"))
		}
	}
	return out
}

// fieldRef refers to field i of s (plan.FieldRef), or by its bare name
// when nothing tells it apart from the others of its name, so that
// resolving it reports the ambiguity.
func fieldRef(s *arrow.Schema, i int) plan.Expr {
	if c, err := plan.FieldRef(s, i); err == nil {
		return c
	}
	return plan.Col(s.Field(i).Name)
}

// Select computes a new set of columns: names ("*" for all), Columns or
// other expressions.
func (df *DataFrame) Select(cols ...any) *DataFrame {
	return df.derive("Select", func(in plan.Node) (plan.Node, error) {
		return plan.Projection(in, columnsOf(in.Schema(), cols)...)
	})
}

// WithColumn adds a column computed by col, or replaces the column of
// that name in place.
func (df *DataFrame) WithColumn(name string, col plan.Expr) *DataFrame {
	return df.derive(fmt.Sprintf("WithColumn(%q)", name), func(in plan.Node) (plan.Node, error) {
		col := column(col, "WithColumn")
		if p, ok := extendProject(in, name, col); ok {
			return p, nil
		}
		var exprs []plan.Expr
		replaced := false
		schema := in.Schema()
		for i, f := range schema.Fields() {
			if f.Name == name {
				if replaced {
					continue // one name: the replaced columns become one, as in Spark
				}
				exprs = append(exprs, &plan.Alias{Child: expr(col), Name: name})
				replaced = true
			} else {
				exprs = append(exprs, fieldRef(schema, i))
			}
		}
		if !replaced {
			exprs = append(exprs, &plan.Alias{Child: expr(col), Name: name})
		}
		return plan.Projection(in, exprs...)
	})
}

// extendProject adds column name = e to the projection in is, instead of
// stacking a projection on it, when e reads only columns that projection
// passes through and calls no model: a loop of a thousand WithColumn
// calls then builds one projection, not a thousand nested ones that every
// later step (resolution, optimization) would walk. It reports false when
// it does not apply, or when the projection would not build (the caller's
// ordinary path then reports the error).
func extendProject(in plan.Node, name string, e plan.Expr) (plan.Node, bool) {
	p, ok := in.(*plan.Project)
	if !ok {
		return nil, false
	}
	passed := map[string]bool{}
	for i, x := range p.Exprs {
		if c, ok := x.(*plan.Column); ok && c.Name == p.Schema().Field(i).Name {
			passed[c.Name] = true
		}
	}
	// Model calls resolve into batch calls, which need a projection of
	// their own (plan.Projection): look at e resolved.
	resolved, err := e.Resolve(p.Input.Schema())
	if err != nil {
		return nil, false
	}
	applies := true
	plan.Walk(resolved, func(x plan.Expr) bool {
		switch x := x.(type) {
		case *plan.Column:
			applies = applies && passed[x.Name]
		case *plan.BatchCall, *plan.Invalid:
			applies = false
		}
		return applies
	})
	if !applies {
		return nil, false
	}
	exprs := slices.Clone(p.Exprs)
	column := &plan.Alias{Child: e, Name: name}
	if i := p.Schema().FieldIndices(name); len(i) > 0 {
		exprs[i[0]] = column
	} else {
		exprs = append(exprs, column)
	}
	out, err := plan.NewProject(p.Input, exprs...)
	return out, err == nil
}

// structFields are the fields of struct column name, each as a column of
// its own name (an error expression when name is no struct).
func structFields(in *arrow.Schema, name string) []plan.Expr {
	i := in.FieldIndices(name)
	if len(i) == 0 {
		// "a.*" of an alias (DataFrame.Alias): its columns.
		var out []plan.Expr
		for k, f := range in.Fields() {
			if slices.Contains(plan.Qualifiers(f), name) {
				out = append(out, fieldRef(in, k))
			}
		}
		if len(out) > 0 {
			return out
		}
		return []plan.Expr{plan.Col(name)}
	}
	st, ok := in.Field(i[0]).Type.(*arrow.StructType)
	if !ok {
		return []plan.Expr{&plan.Invalid{Err: fmt.Errorf("frame: %s.*: column %q is %s, not a struct", name, name, in.Field(i[0]).Type)}}
	}
	out := make([]plan.Expr, st.NumFields())
	for k, f := range st.Fields() {
		out[k] = &plan.Alias{Child: &plan.GetField{Child: plan.Col(name), Name: f.Name}, Name: f.Name}
	}
	return out
}

// Unnest replaces struct columns (a model's several outputs) by their
// fields, in place, as Polars' unnest does.
func (df *DataFrame) Unnest(cols ...string) *DataFrame {
	return df.derive(fmt.Sprintf("Unnest(%s)", strings.Join(cols, ", ")), func(in plan.Node) (plan.Node, error) {
		for _, c := range cols {
			if _, err := plan.FieldIndex(in.Schema(), c); err != nil {
				return nil, err
			}
		}
		var exprs []plan.Expr
		for _, f := range in.Schema().Fields() {
			if slices.Contains(cols, f.Name) {
				exprs = append(exprs, structFields(in.Schema(), f.Name)...)
			} else {
				exprs = append(exprs, plan.Col(f.Name))
			}
		}
		return plan.NewProject(in, exprs...)
	})
}

// WithColumnRenamed renames a column. Unlike Spark, renaming a column that
// does not exist is an error, not a silent no-op.
func (df *DataFrame) WithColumnRenamed(existing, newName string) *DataFrame {
	return df.derive(fmt.Sprintf("WithColumnRenamed(%q, %q)", existing, newName), func(in plan.Node) (plan.Node, error) {
		if _, err := plan.FieldIndex(in.Schema(), existing); err != nil {
			return nil, err
		}
		exprs := make([]plan.Expr, in.Schema().NumFields())
		for i, f := range in.Schema().Fields() {
			exprs[i] = plan.Col(f.Name)
			if f.Name == existing {
				exprs[i] = &plan.Alias{Child: exprs[i], Name: newName}
			}
		}
		return plan.NewProject(in, exprs...)
	})
}

// Drop removes columns. Unlike Spark, dropping a column that does not
// exist is an error.
func (df *DataFrame) Drop(cols ...string) *DataFrame {
	return df.derive(fmt.Sprintf("Drop(%s)", strings.Join(cols, ", ")), func(in plan.Node) (plan.Node, error) {
		schema := in.Schema()
		for _, c := range cols {
			if len(schema.FieldIndices(c)) == 0 {
				if _, err := plan.FieldIndex(schema, c); err != nil {
					return nil, err
				}
			}
		}
		var exprs []plan.Expr
		for i, f := range schema.Fields() {
			if !slices.Contains(cols, f.Name) {
				exprs = append(exprs, fieldRef(schema, i))
			}
		}
		return plan.NewProject(in, exprs...)
	})
}

// Filter keeps the rows for which cond is true: a Column (or other
// plan.Expr), or a SQL condition as a string ("a > 1 AND b IS NOT NULL"),
// whose names are df's columns (case-insensitive) and the session's
// models, UDFs and the built-in functions.
func (df *DataFrame) Filter(cond any) *DataFrame {
	return df.derive("Filter", func(in plan.Node) (plan.Node, error) {
		if s, ok := cond.(string); ok {
			return filterSQL(df.sess, in, s)
		}
		return plan.Selection(in, column(cond, "Filter"))
	})
}

// Where is Filter.
func (df *DataFrame) Where(cond any) *DataFrame { return df.Filter(cond) }

// Limit keeps the first n rows (partition 0's first, as in Spark).
func (df *DataFrame) Limit(n int64) *DataFrame {
	return df.derive(fmt.Sprintf("Limit(%d)", n), func(in plan.Node) (plan.Node, error) {
		if n < 0 {
			return nil, fmt.Errorf("negative limit")
		}
		return &plan.Limit{Input: in, N: n}, nil
	})
}

// Repartition redistributes rows into n partitions: round-robin, or by a
// hash of the given columns, so that equal keys share a partition.
func (df *DataFrame) Repartition(n int, cols ...string) *DataFrame {
	return df.derive(fmt.Sprintf("Repartition(%d)", n), func(in plan.Node) (plan.Node, error) {
		keys := make([]plan.Expr, len(cols))
		for i, c := range cols {
			keys[i] = plan.Col(c)
		}
		return plan.NewRepartition(in, n, keys...)
	})
}

// Coalesce reduces the number of partitions to at most n without moving
// rows between partitions.
func (df *DataFrame) Coalesce(n int) *DataFrame {
	return df.derive(fmt.Sprintf("Coalesce(%d)", n), func(in plan.Node) (plan.Node, error) {
		if n < 1 {
			return nil, fmt.Errorf("coalesce into %d partitions: need at least 1", n)
		}
		return &plan.Coalesce{Input: in, N: n}, nil
	})
}

// OrderBy sorts all rows: the output partitions, read in order, are sorted
// (each partition before the next; Collect and Write keep that order). Keys are column names
// (ascending), Columns (ascending) or SortOrders (Col("x").Desc()).
func (df *DataFrame) OrderBy(keys ...any) *DataFrame {
	return df.derive("OrderBy", func(in plan.Node) (plan.Node, error) {
		orders := make([]plan.SortOrder, len(keys))
		for i, k := range keys {
			switch k := k.(type) {
			case SortOrder:
				orders[i] = k.order
			case string:
				orders[i] = plan.SortOrder{Expr: plan.Col(k), NullsFirst: true}
			default:
				orders[i] = plan.SortOrder{Expr: column(k, "OrderBy"), NullsFirst: true}
			}
		}
		return plan.NewSort(in, orders...)
	})
}

// Sort is OrderBy.
func (df *DataFrame) Sort(keys ...any) *DataFrame { return df.OrderBy(keys...) }

// Union appends other's rows, matching columns by position, as Spark's
// union does; column types widen to a common type.
func (df *DataFrame) Union(other *DataFrame) *DataFrame {
	return df.derive("Union", func(in plan.Node) (plan.Node, error) {
		if err := other.failure(); err != nil {
			return nil, err
		}
		return plan.NewUnion(in, other.node)
	})
}

// Distinct keeps one copy of each distinct row.
func (df *DataFrame) Distinct() *DataFrame {
	return df.derive("Distinct", func(in plan.Node) (plan.Node, error) {
		return plan.NewDistinct(in)
	})
}

// MapBatches applies fn to every batch: the escape hatch for logic that
// expressions cannot state (Ray Data's map_batches, Spark's mapInArrow).
// fn receives a batch it must not release, returns a batch the engine
// releases (return the input after Retain to pass it through), and must
// produce exactly schema. It runs concurrently across partitions. A panic
// in fn becomes an error naming fn and the partition.
func (df *DataFrame) MapBatches(schema *arrow.Schema, fn plan.BatchFunc) *DataFrame {
	name := "nil"
	if fn != nil {
		name = runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	}
	return df.derive("MapBatches("+name+")", func(in plan.Node) (plan.Node, error) {
		if schema == nil {
			return nil, fmt.Errorf("an output schema is required (nil)")
		}
		if fn == nil {
			return nil, fmt.Errorf("a function is required (nil)")
		}
		return &plan.MapBatches{Input: in, Name: name, Fn: fn, OutSchema: schema}, nil
	})
}
