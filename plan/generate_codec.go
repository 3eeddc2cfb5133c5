package plan

import "fmt"

// A Generate's wire form: op "generate", name the function's SQL name
// (explode_outer, …), exprs its argument, keys the generated columns'
// names (as col references).

func encodeGenerate(g *Generate, e *encoded) error {
	e.Op, e.Name = "generate", g.FuncName()
	arg, err := encodeExpr(g.Arg)
	if err != nil {
		return err
	}
	e.Exprs = []*encoded{arg}
	for _, n := range g.Names {
		e.Keys = append(e.Keys, &encoded{Op: "col", Name: n})
	}
	return nil
}

func decodeGenerate(e *encoded, in Node, exprs []Expr) (Node, error) {
	gen, ok := generatorNames[e.Name]
	if !ok || len(exprs) != 1 {
		return nil, fmt.Errorf("plan: decoding: generate %q needs a known generator and one argument", e.Name)
	}
	names := make([]string, len(e.Keys))
	for i, k := range e.Keys {
		names[i] = k.Name
	}
	return NewGenerate(in, gen.fn, gen.outer, exprs[0], names)
}
