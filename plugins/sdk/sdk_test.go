package sdk

import (
	"context"
	"errors"
	"runtime"
	"testing"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
)

// counting is a model that records its loads.
type counting struct {
	loads   []int
	loadErr error
}

func (m *counting) Load(_ context.Context, opts LoadOptions) error {
	m.loads = append(m.loads, opts.Threads)
	return m.loadErr
}

func (m *counting) Predict(_ context.Context, batch arrow.RecordBatch) (arrow.RecordBatch, error) {
	batch.Retain()
	return batch, nil
}

func TestServerLoadsOnce(t *testing.T) {
	m := &counting{}
	s := &server{model: m}
	if err := s.Load(context.Background(), 3); err != nil {
		t.Fatal(err)
	}
	if err := s.Load(context.Background(), 5); err != nil {
		t.Fatal(err)
	}
	if len(m.loads) != 1 || m.loads[0] != 3 {
		t.Fatalf("loads %v, want one with 3 threads", m.loads)
	}
}

func TestServerLoadsBeforeAFirstPredict(t *testing.T) {
	m := &counting{}
	s := &server{model: m}
	batch := array.NewRecordBatch(arrow.NewSchema(nil, nil), nil, 0)
	defer batch.Release()
	out, err := s.Predict(context.Background(), batch)
	if err != nil {
		t.Fatal(err)
	}
	out.Release()
	if len(m.loads) != 1 || m.loads[0] != runtime.NumCPU() {
		t.Fatalf("loads %v, want one with every core", m.loads)
	}
	failing := &server{model: &counting{loadErr: errors.New("no weights")}}
	if _, err := failing.Predict(context.Background(), batch); err == nil || err.Error() != "loading: no weights" {
		t.Fatalf("err = %v", err)
	}
}
