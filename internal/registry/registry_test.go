package registry

import (
	"fmt"
	"slices"
	"sync"
	"testing"
)

func TestRegistry(t *testing.T) {
	var r Registry[int]
	if _, ok := r.Get("a"); ok {
		t.Fatal("empty registry found a")
	}
	r.Set("b", 2)
	r.Set("a", 1)
	if v, ok := r.Add("a", 10); ok || v != 1 {
		t.Fatalf("Add over a taken name = %d, %v", v, ok)
	}
	if v, ok := r.Add("c", 3); !ok || v != 3 {
		t.Fatalf("Add = %d, %v", v, ok)
	}
	r.Set("b", 20)
	if v, _ := r.Get("b"); v != 20 {
		t.Fatalf("Set did not replace: %d", v)
	}
	if got := r.Names(); !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Fatalf("Names = %v", got)
	}
}

func TestRegistryConcurrent(t *testing.T) {
	var r Registry[int]
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range 100 {
				name := fmt.Sprint(k % 10)
				r.Add(name, i)
				r.Get(name)
			}
		}()
	}
	wg.Wait()
	if len(r.Names()) != 10 {
		t.Fatalf("names %v", r.Names())
	}
}
