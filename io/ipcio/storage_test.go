package ipcio_test

import (
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/plan"
)

func TestBackends(t *testing.T) {
	mem := checkedAllocator(t)
	s := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "name", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	b1 := fromJSON(t, mem, s, `[{"id": 1, "name": "a"}, {"id": 2, "name": null}]`)
	defer b1.Release()
	b2 := fromJSON(t, mem, s, `[{"id": 3, "name": "c"}]`)
	defer b2.Release()
	for _, layout := range layouts {
		data := encode(t, options(layout, ipcio.Uncompressed), s, b1, b2)
		sourcetest.CheckBackends(t, "data.arrow", data, func(paths []string) (plan.Source, error) {
			return ipcio.NewSource(paths, options(layout, ipcio.Uncompressed))
		})
		sourcetest.CheckChanged(t, "data.arrow", data, func(paths []string) (plan.Source, error) {
			return ipcio.NewSource(paths, options(layout, ipcio.Uncompressed))
		})
	}
}
