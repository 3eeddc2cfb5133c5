package frame

import (
	"fmt"

	"github.com/ember-df/ember/plan"
)

// The generator functions, as PySpark's: each turns a row into one row per
// element of a list (or entry of a map). Use them as a whole item of
// Select or as WithColumn's value — df.Select("id",
// Explode("tags").Alias("tag")), df.WithColumn("tag", Explode("tags")) —
// where the DataFrame gets a row per element, the other columns repeated.
// A list gives the column "col" and a map the columns "key" and "value";
// the Pos variants put the element's position (int32, from 0) first, as
// "pos". Alias names a one-column generator; Names names several.
//
// Explode relates to DataFrame.Unnest as Spark's explode does to
// selecting a struct's fields: Unnest turns one struct column into
// columns (the same rows), Explode turns one list into rows.

// Explode gives a row per element of a list (name or Column), or per entry
// of a map; a row whose list is NULL or empty gives none.
func Explode(col any) Column { return generator("explode", col) }

// ExplodeOuter is Explode, but a row whose list is NULL or empty gives one
// row with NULL generated columns.
func ExplodeOuter(col any) Column { return generator("explode_outer", col) }

// PosExplode is Explode with each element's position first.
func PosExplode(col any) Column { return generator("posexplode", col) }

// PosExplodeOuter is ExplodeOuter with each element's position first
// (NULL for the row of an empty or NULL list).
func PosExplodeOuter(col any) Column { return generator("posexplode_outer", col) }

func generator(name string, col any) Column {
	g, err := plan.CallGenerator(name, colArg(col))
	if err != nil {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: %w", err)}}
	}
	return Column{g}
}

// Names names the columns a generator gives (PosExplode("m").Names("i",
// "k", "v")), as PySpark's multi-name alias; on another column it gives
// an error when the column is used.
func (c Column) Names(names ...string) Column {
	g, ok := c.Expr.(*plan.Generator)
	if !ok {
		return Column{&plan.Invalid{Err: fmt.Errorf("frame: Names(%v) applies to a generator (Explode, PosExplode, …), not to %s", names, c.expr())}}
	}
	out := *g
	out.Names = names
	return Column{&out}
}
