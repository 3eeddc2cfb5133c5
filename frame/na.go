package frame

import (
	"fmt"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/plan"
)

// NaFunctions handles missing values, as Spark's DataFrameNaFunctions
// (df.na): Fill replaces them, Drop drops the rows that have them. For
// floating-point columns NaN counts as missing too, as in Spark.
type NaFunctions struct{ df *DataFrame }

// Na returns the functions over df's missing values.
func (df *DataFrame) Na() NaFunctions { return NaFunctions{df: df} }

// FillNa is Na().Fill (PySpark's fillna).
func (df *DataFrame) FillNa(value any, cols ...string) *DataFrame {
	return df.Na().Fill(value, cols...)
}

// DropNa is Na().Drop (PySpark's dropna).
func (df *DataFrame) DropNa(how string, thresh int, cols ...string) *DataFrame {
	return df.Na().Drop(how, thresh, cols...)
}

// fillKind is the kind of columns a fill value applies to.
type fillKind int

const (
	fillNone fillKind = iota
	fillNumber
	fillString
	fillBool
)

func fillKindOfValue(v any) fillKind {
	switch v.(type) {
	case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return fillNumber
	case string:
		return fillString
	case bool:
		return fillBool
	}
	return fillNone
}

func fillKindOfType(t arrow.DataType) fillKind {
	switch {
	case arrow.IsInteger(t.ID()) || arrow.IsFloating(t.ID()):
		return fillNumber
	case t.ID() == arrow.STRING || t.ID() == arrow.LARGE_STRING || t.ID() == arrow.STRING_VIEW:
		return fillString
	case t.ID() == arrow.BOOL:
		return fillBool
	}
	return fillNone
}

var fillKindNames = [...]string{fillNone: "other", fillNumber: "numeric", fillString: "string", fillBool: "boolean"}

// Fill replaces NULLs (and NaNs in floating-point columns) by value, as
// Spark's na.fill: a number fills the integer and floating-point columns
// (cast to each column's type, so 2.7 fills an integer column with 2), a
// string the string columns, a bool the boolean columns; columns of other
// types are left alone. With cols, only those columns are considered, and
// still only those of value's kind. value may instead be a
// map[string]any from column name to value (PySpark's fillna(dict)): each
// named column is filled with its value, which must be of the column's
// kind; cols must then be empty. Unknown columns, a value of another
// type (nil included) and a map value of the wrong kind are errors the
// DataFrame holds.
func (n NaFunctions) Fill(value any, cols ...string) *DataFrame {
	what := fmt.Sprintf("Na().Fill(%v)", value)
	if len(cols) > 0 {
		what = fmt.Sprintf("Na().Fill(%v, %s)", value, strings.Join(cols, ", "))
	}
	return n.df.derive(what, func(in plan.Node) (plan.Node, error) {
		schema := in.Schema()
		fills := map[string]any{}
		if m, ok := value.(map[string]any); ok {
			if len(cols) > 0 {
				return nil, fmt.Errorf("columns are given by the map's keys; got %s as well", strings.Join(cols, ", "))
			}
			for c, v := range m {
				i, err := plan.FieldIndex(schema, c)
				if err != nil {
					return nil, err
				}
				vk, ck := fillKindOfValue(v), fillKindOfType(schema.Field(i).Type)
				if vk == fillNone {
					return nil, fmt.Errorf("column %q: a fill value must be a number, string or bool; got %T", c, v)
				}
				if vk != ck {
					return nil, fmt.Errorf("column %q is %s, so it cannot be filled with the %s value %v", c, schema.Field(i).Type, fillKindNames[vk], v)
				}
				fills[c] = v
			}
		} else {
			vk := fillKindOfValue(value)
			if vk == fillNone {
				return nil, fmt.Errorf("a fill value must be a number, string, bool or map[string]any; got %T", value)
			}
			consider := cols
			if len(consider) == 0 {
				consider = fieldNamesOf(schema)
			}
			for _, c := range consider {
				i, err := plan.FieldIndex(schema, c)
				if err != nil {
					return nil, err
				}
				if fillKindOfType(schema.Field(i).Type) == vk {
					fills[c] = value
				}
			}
		}
		exprs := make([]plan.Expr, schema.NumFields())
		for i, f := range schema.Fields() {
			c := plan.Col(f.Name)
			v, ok := fills[f.Name]
			if !ok {
				exprs[i] = c
				continue
			}
			exprs[i] = &plan.Alias{Name: f.Name, Child: &plan.CaseWhen{
				Branches: []plan.When{{Cond: isMissing(c, f.Type), Value: &plan.Cast{Child: plan.Lit(v), To: f.Type}}},
				Else:     c,
			}}
		}
		return plan.NewProject(in, exprs...)
	})
}

// isMissing is true where c, of type t, is NULL or NaN.
func isMissing(c plan.Expr, t arrow.DataType) plan.Expr {
	isNull := plan.NewUnary(plan.OpIsNull, c)
	if !arrow.IsFloating(t.ID()) {
		return isNull
	}
	// NaN is the only value that differs from itself.
	return plan.NewBinary(plan.OpOr, isNull, plan.NewBinary(plan.OpNeq, c, c))
}

// Drop drops rows with missing values (NULL, or NaN in floating-point
// columns), as Spark's na.drop / dropna: with how "any" (or "") a row
// with any missing value among cols goes, with "all" only a row whose
// values there are all missing. thresh > 0 overrides how: a row stays
// when it has at least thresh present values among cols. cols default to
// every column. Another how, a negative thresh and unknown columns are
// errors the DataFrame holds.
func (n NaFunctions) Drop(how string, thresh int, cols ...string) *DataFrame {
	what := fmt.Sprintf("Na().Drop(%q, %d", how, thresh)
	if len(cols) > 0 {
		what += ", " + strings.Join(cols, ", ")
	}
	what += ")"
	return n.df.derive(what, func(in plan.Node) (plan.Node, error) {
		schema := in.Schema()
		if how != "" && how != "any" && how != "all" {
			return nil, fmt.Errorf("how must be \"any\" or \"all\", not %q", how)
		}
		if thresh < 0 {
			return nil, fmt.Errorf("thresh %d is negative", thresh)
		}
		if len(cols) == 0 {
			cols = fieldNamesOf(schema)
		}
		present := make([]plan.Expr, 0, len(cols))
		for _, c := range uniqueNames(cols) {
			i, err := plan.FieldIndex(schema, c)
			if err != nil {
				return nil, err
			}
			present = append(present, plan.NewUnary(plan.OpNot, isMissing(plan.Col(c), schema.Field(i).Type)))
		}
		if len(present) == 0 {
			return in, nil
		}
		var cond plan.Expr
		switch {
		case thresh > 0:
			var count plan.Expr
			for _, p := range present {
				one := &plan.CaseWhen{Branches: []plan.When{{Cond: p, Value: plan.Lit(int64(1))}}, Else: plan.Lit(int64(0))}
				if count == nil {
					count = one
				} else {
					count = plan.NewBinary(plan.OpAdd, count, one)
				}
			}
			cond = plan.NewBinary(plan.OpGe, count, plan.Lit(int64(thresh)))
		case how == "all":
			cond = combineConds(plan.OpOr, present)
		default:
			cond = combineConds(plan.OpAnd, present)
		}
		return plan.Selection(in, cond)
	})
}

// combineConds combines conditions with op, left to right.
func combineConds(op plan.BinaryOp, conds []plan.Expr) plan.Expr {
	out := conds[0]
	for _, c := range conds[1:] {
		out = plan.NewBinary(op, out, c)
	}
	return out
}

// uniqueNames returns names without repeats, in first-seen order.
func uniqueNames(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}
