package plan

// Walk calls fn for e and every sub-expression, parents first. It stops
// descending below a node for which fn returns false.
func Walk(e Expr, fn func(Expr) bool) {
	if !fn(e) {
		return
	}
	for _, c := range e.Children() {
		Walk(c, fn)
	}
}

// Transform rebuilds e bottom-up, replacing each node by fn(node).
func Transform(e Expr, fn func(Expr) Expr) Expr {
	children := e.Children()
	if len(children) > 0 {
		next := make([]Expr, len(children))
		for i, c := range children {
			next[i] = Transform(c, fn)
		}
		e = e.WithChildren(next)
	}
	return fn(e)
}

// ReferencedColumns returns the names of the input columns e reads, each
// once, in first-use order.
func ReferencedColumns(exprs ...Expr) []string {
	var names []string
	seen := map[string]bool{}
	for _, e := range exprs {
		Walk(e, func(x Expr) bool {
			if c, ok := x.(*Column); ok && !seen[c.Name] {
				seen[c.Name] = true
				names = append(names, c.Name)
			}
			return true
		})
	}
	return names
}

// IsCheap reports whether e may be evaluated more often, or in another
// place, than written without changing results or cost much: it is
// deterministic and calls no user-defined function. The optimizer only
// duplicates or moves cheap expressions.
func IsCheap(e Expr) bool {
	cheap := true
	Walk(e, func(x Expr) bool {
		switch x.(type) {
		case *Call, *MonotonicID:
			cheap = false
		}
		return cheap
	})
	return cheap
}
