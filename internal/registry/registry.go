// Package registry is the one concurrency-safe name → value table that
// every registry in ember is built on: the kinds of sources, formats and
// functions a plan decodes (package plan), named UDFs (package udf), and
// the filesystems of URL schemes (package storage).
package registry

import (
	"slices"
	"sync"
)

// Registry maps names to values of type T. The zero value is empty and
// ready; it is safe for concurrent use (registration usually happens from
// init, lookups during a job).
type Registry[T any] struct {
	mu     sync.RWMutex
	values map[string]T
}

// Set registers v under name, replacing any earlier value.
func (r *Registry[T]) Set(name string, v T) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.values == nil {
		r.values = map[string]T{}
	}
	r.values[name] = v
}

// Add registers v under name unless the name is taken; it reports whether
// it did, and returns the value registered under name either way.
func (r *Registry[T]) Add(name string, v T) (T, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if old, ok := r.values[name]; ok {
		return old, false
	}
	if r.values == nil {
		r.values = map[string]T{}
	}
	r.values[name] = v
	return v, true
}

// Get returns the value registered under name.
func (r *Registry[T]) Get(name string) (T, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	v, ok := r.values[name]
	return v, ok
}

// Names returns the registered names, sorted.
func (r *Registry[T]) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.values))
	for n := range r.values {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}
