package plan

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
)

// GenFunc is a generator function: one that turns each input row into
// zero or more output rows (Spark's explode family).
type GenFunc int

// The generator functions.
const (
	// GenExplode gives one row per element of a list (column "col"), or
	// per entry of a map (columns "key" and "value").
	GenExplode GenFunc = iota
	// GenPosExplode is GenExplode with the element's position first
	// (column "pos", int32, from 0).
	GenPosExplode
)

// generatorNames maps the names SQL and frame call (lower case) to a
// function and whether it is the _outer variant.
var generatorNames = map[string]struct {
	fn    GenFunc
	outer bool
}{
	"explode": {GenExplode, false}, "explode_outer": {GenExplode, true},
	"posexplode": {GenPosExplode, false}, "posexplode_outer": {GenPosExplode, true},
}

// Generator is a call of a generator function used as a value in a select
// list: explode(tags), posexplode_outer(m). It cannot be evaluated row by
// row; Projection moves it into a Generate node below the projection,
// which reads the generated columns instead (Spark's ExtractGenerator).
// A select list may hold one generator, as a whole item (aliased or not);
// anywhere else it fails to resolve with an error that says so.
//
// Without Outer, a row whose list or map is NULL or empty gives no rows;
// with Outer it gives one row whose generated columns are NULL.
type Generator struct {
	Func  GenFunc
	Outer bool
	Arg   Expr
	// Names, when set, name the generated columns (one per column);
	// otherwise an alias names a one-column generator, else Spark's
	// names: pos, col, key, value.
	Names []string
}

// LookupGenerator reports whether name (case-insensitive) is a generator
// function: explode, explode_outer, posexplode, posexplode_outer.
func LookupGenerator(name string) bool {
	_, ok := generatorNames[strings.ToLower(name)]
	return ok
}

// GeneratorNames returns the generator functions' names, sorted.
func GeneratorNames() []string {
	return []string{"explode", "explode_outer", "posexplode", "posexplode_outer"}
}

// CallGenerator builds the generator name(arg) for a select list.
func CallGenerator(name string, args ...Expr) (*Generator, error) {
	g, ok := generatorNames[strings.ToLower(name)]
	if !ok {
		return nil, typeError("unknown generator function %q (generators: %s)", name, strings.Join(GeneratorNames(), ", "))
	}
	if len(args) != 1 {
		return nil, typeError("%s takes 1 argument, got %d", strings.ToLower(name), len(args))
	}
	return &Generator{Func: g.fn, Outer: g.outer, Arg: args[0]}, nil
}

// FuncName is the generator's SQL name: explode, posexplode_outer, ….
func (g *Generator) FuncName() string { return genFuncName(g.Func, g.Outer) }

func genFuncName(fn GenFunc, outer bool) string {
	name := "explode"
	if fn == GenPosExplode {
		name = "posexplode"
	}
	if outer {
		name += "_outer"
	}
	return name
}

func (g *Generator) String() string { return fmt.Sprintf("%s(%s)", g.FuncName(), g.Arg) }

// Children implements Expr.
func (g *Generator) Children() []Expr { return []Expr{g.Arg} }

// WithChildren implements Expr.
func (g *Generator) WithChildren(c []Expr) Expr {
	out := *g
	out.Arg = c[0]
	return &out
}

// Type implements Expr: a generator has no type of its own.
func (g *Generator) Type() arrow.DataType { return nil }

// Resolve implements Expr: it always fails, since a generator is only
// allowed as a whole item of a select list, which Projection rewrites.
func (g *Generator) Resolve(*arrow.Schema) (Expr, error) {
	return nil, typeError("generator %s is allowed only as a whole item of a select list (Select, WithColumn, a SELECT's columns), not inside an expression, a filter or a grouping", g)
}

// generatedFields are the columns a generator over a value of type t
// produces, with Spark's default names.
func generatedFields(fn GenFunc, outer bool, t arrow.DataType) ([]arrow.Field, error) {
	var out []arrow.Field
	if fn == GenPosExplode {
		out = append(out, arrow.Field{Name: "pos", Type: arrow.PrimitiveTypes.Int32, Nullable: outer})
	}
	switch t := t.(type) {
	case *arrow.MapType:
		out = append(out, arrow.Field{Name: "key", Type: t.KeyType(), Nullable: outer},
			arrow.Field{Name: "value", Type: t.ItemType(), Nullable: true})
	case *arrow.ListType:
		out = append(out, arrow.Field{Name: "col", Type: t.Elem(), Nullable: true})
	default:
		return nil, typeError("%s: the argument must be a list or a map, not %s", genFuncName(fn, outer), t)
	}
	return out, nil
}

// Generate applies a generator to every row of Input: its output is
// Input's columns, repeated for each row the generator gives, then the
// generated columns (Spark's Generate). Rows keep the input's order, and
// each row's generated rows follow its elements' order.
type Generate struct {
	Input  Node
	Func   GenFunc
	Outer  bool
	Arg    Expr     // resolved; a list or a map
	Names  []string // the generated columns' names
	schema *arrow.Schema
}

// NewGenerate resolves the generator fn over arg against input's schema.
// names name the generated columns, one per column (nil for Spark's
// defaults); they must not clash with input's columns.
func NewGenerate(input Node, fn GenFunc, outer bool, arg Expr, names []string) (*Generate, error) {
	r, err := arg.Resolve(input.Schema())
	if err != nil {
		return nil, err
	}
	gen, err := generatedFields(fn, outer, r.Type())
	if err != nil {
		return nil, err
	}
	if names == nil {
		for _, f := range gen {
			names = append(names, f.Name)
		}
	}
	if len(names) != len(gen) {
		return nil, typeError("%s(%s) gives %d column(s), but %d name(s) were given", genFuncName(fn, outer), arg, len(gen), len(names))
	}
	fields := append([]arrow.Field(nil), input.Schema().Fields()...)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.Name] = true
	}
	for i := range gen {
		if seen[names[i]] {
			return nil, typeError("%s(%s): column %q exists already", genFuncName(fn, outer), arg, names[i])
		}
		seen[names[i]] = true
		gen[i].Name = names[i]
	}
	return &Generate{Input: input, Func: fn, Outer: outer, Arg: r, Names: names,
		schema: arrow.NewSchema(append(fields, gen...), nil)}, nil
}

// FuncName is the generator's SQL name: explode, posexplode_outer, ….
func (g *Generate) FuncName() string { return genFuncName(g.Func, g.Outer) }

// GeneratedFields are the generated columns, after the input's.
func (g *Generate) GeneratedFields() []arrow.Field {
	return g.schema.Fields()[g.Input.Schema().NumFields():]
}

func (g *Generate) Schema() *arrow.Schema { return g.schema }
func (g *Generate) Children() []Node      { return []Node{g.Input} }
func (g *Generate) String() string {
	return fmt.Sprintf("Generate %s(%s) AS [%s]", g.FuncName(), g.Arg, strings.Join(g.Names, ", "))
}

// WithChildren implements Node.
func (g *Generate) WithChildren(c []Node) (Node, error) {
	if sameSchema(g.Input.Schema(), c[0].Schema()) {
		out := *g
		out.Input = c[0]
		return &out, nil
	}
	return NewGenerate(c[0], g.Func, g.Outer, g.Arg, g.Names)
}

// extractGenerators moves the generator of exprs (at most one, a whole
// item or an aliased one) into a Generate node over input, and returns
// the new input and exprs reading the generated columns in its place.
func extractGenerators(input Node, exprs []Expr) (Node, []Expr, error) {
	at, n := -1, 0
	for i, e := range exprs {
		if containsGenerator(e) {
			at = i
			n++
		}
	}
	if n == 0 {
		return input, exprs, nil
	}
	if n > 1 {
		return nil, nil, typeError("only one generator is allowed per select list, found %d", n)
	}
	var gen *Generator
	var alias string
	switch e := exprs[at].(type) {
	case *Generator:
		gen = e
	case *Alias:
		if g, ok := e.Child.(*Generator); ok {
			gen, alias = g, e.Name
		}
	}
	if gen == nil {
		return nil, nil, typeError("a generator is allowed only as a whole item of a select list, not nested in %s", exprs[at])
	}
	var names []string // the select list's names for the generated columns
	if gen.Names != nil {
		names = gen.Names
	} else {
		r, err := gen.Arg.Resolve(input.Schema())
		if err != nil {
			return nil, nil, err
		}
		fields, err := generatedFields(gen.Func, gen.Outer, r.Type())
		if err != nil {
			return nil, nil, err
		}
		for _, f := range fields {
			names = append(names, f.Name)
		}
		if alias != "" {
			if len(fields) != 1 {
				return nil, nil, typeError("%s gives %d columns (%s), one alias is not enough: name them with Generator.Names", gen, len(fields), strings.Join(names, ", "))
			}
			names = []string{alias}
		}
	}
	// The generated columns get fresh names where input has the name
	// already (WithColumn("tags", Explode("tags")) replaces tags); the
	// projection gives them their names back.
	used := map[string]bool{}
	for _, f := range input.Schema().Fields() {
		used[f.Name] = true
	}
	internal := make([]string, len(names))
	items := make([]Expr, len(names))
	for i, name := range names {
		internal[i] = name
		for k := 0; used[internal[i]]; k++ {
			internal[i] = fmt.Sprintf("_gen%d_%s", k, name)
		}
		used[internal[i]] = true
		items[i] = Col(internal[i])
		if internal[i] != name {
			items[i] = &Alias{Child: Col(internal[i]), Name: name}
		}
	}
	g, err := NewGenerate(input, gen.Func, gen.Outer, gen.Arg, internal)
	if err != nil {
		return nil, nil, err
	}
	out := append(append(append([]Expr(nil), exprs[:at]...), items...), exprs[at+1:]...)
	return g, out, nil
}

// containsGenerator reports whether e holds a Generator.
func containsGenerator(e Expr) bool {
	found := false
	Walk(e, func(x Expr) bool {
		if _, ok := x.(*Generator); ok {
			found = true
		}
		return !found
	})
	return found
}
