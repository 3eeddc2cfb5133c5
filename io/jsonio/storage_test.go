package jsonio_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/io/internal/sourcetest"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/plan"
)

// storageJSON is a JSON-lines file large enough to be cut into several
// splits.
func storageJSON() []byte {
	var b strings.Builder
	for i := range 500 {
		fmt.Fprintf(&b, "{\"id\": %d, \"name\": \"row %d\", \"tags\": [\"a\", \"b%d\"], \"score\": %.2f}\n", i, i, i%3, float64(i)/3)
	}
	return []byte(b.String())
}

func openJSON(o jsonio.Options) func([]string) (plan.Source, error) {
	return func(paths []string) (plan.Source, error) { return jsonio.NewSource(paths, nil, o) }
}

func TestCompressed(t *testing.T) {
	o := jsonio.DefaultOptions()
	o.MaxSplitBytes, o.Partitions = 1000, 1<<20
	sourcetest.CheckCompressed(t, "jsonio", "data.json", storageJSON(), openJSON(o))
}

func TestBackends(t *testing.T) {
	o := jsonio.DefaultOptions()
	sourcetest.CheckBackends(t, "data.json", storageJSON(), openJSON(o))
	o.MaxSplitBytes, o.Partitions = 777, 1<<20
	sourcetest.CheckBackends(t, "data.json", storageJSON(), openJSON(o))
}

// TestChanged: a file cut short after planning says so, with both sizes.
func TestChanged(t *testing.T) {
	o := jsonio.DefaultOptions()
	sourcetest.CheckChanged(t, "data.json", storageJSON(), openJSON(o))
}

func TestCompressionOption(t *testing.T) {
	mem := checkedAllocator(t)
	s := schema("id", arrow.PrimitiveTypes.Int64, "name", arrow.BinaryTypes.String)
	var rows strings.Builder
	rows.WriteString("[")
	for i := range 3000 {
		if i > 0 {
			rows.WriteString(",")
		}
		fmt.Fprintf(&rows, `{"id": %d, "name": "name %d"}`, i, i)
	}
	rows.WriteString("]")
	batch := fromJSON(t, mem, s, rows.String())
	defer batch.Release()
	format := func(compression string) plan.FileFormat {
		o, err := jsonio.ParseOptions(map[string]string{"compression": compression})
		if err != nil {
			t.Fatal(err)
		}
		return jsonio.Format{Options: o}
	}
	sourcetest.CheckCompressedWrite(t, "json", batch, format, openJSON(jsonio.DefaultOptions()))
	if _, err := jsonio.ParseOptions(map[string]string{"codec": "brotli"}); err == nil || !strings.Contains(err.Error(), `unknown compression "brotli"`) {
		t.Errorf("codec=brotli: %v", err)
	}
}
