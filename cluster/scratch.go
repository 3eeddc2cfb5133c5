package cluster

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/storage"
)

// The layout of a job's scratch location, written by tasks and read by the
// driver once the pipeline ended:
//
//	tasks/s<stage>-p<partition>.json   a taskReport per task that ended
//	result/p<partition>.arrows         the result stage's output (IPC stream)
//
// Each file is written whole by one storage.WriteFile, under a name fixed
// by its task, so a retried task replaces its files.
func reportPath(scratch string, stage, p int) string {
	return storage.Join(scratch, fmt.Sprintf("tasks/s%d-p%d.json", stage, p))
}

func resultPath(scratch string, p int) string {
	return storage.Join(scratch, fmt.Sprintf("result/p%d.arrows", p))
}

// taskReport is what one task tells the driver.
type taskReport struct {
	Stage     int `json:"stage"`
	Partition int `json:"partition"`
	// Process identifies the worker process (see processID).
	Process     string            `json:"process"`
	RowsRead    int64             `json:"rowsRead"`
	BatchesRead int64             `json:"batchesRead"`
	RowsOutput  int64             `json:"rowsOutput"`
	Elapsed     int64             `json:"elapsedNanos"`
	UDFs        []exec.UDFMetrics `json:"udfs,omitempty"`
	Error       string            `json:"error,omitempty"`
	EndedAt     int64             `json:"endedAtNanos"`
}

func writeReport(ctx context.Context, scratch string, r taskReport) error {
	data, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return storage.WriteFile(ctx, reportPath(scratch, r.Stage, r.Partition), data)
}

// readReports reads every task report of a job.
func readReports(ctx context.Context, scratch string) ([]taskReport, error) {
	infos, err := storage.List(ctx, storage.Join(scratch, "tasks"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cluster: listing task reports: %w", err)
	}
	var reports []taskReport
	for _, fi := range infos {
		if fi.IsDir || !strings.HasSuffix(fi.Path, ".json") {
			continue
		}
		data, err := storage.ReadFile(ctx, fi.Path)
		if err != nil {
			return nil, fmt.Errorf("cluster: reading a task report: %w", err)
		}
		var r taskReport
		if err := json.Unmarshal(data, &r); err != nil {
			return nil, fmt.Errorf("cluster: decoding task report %s: %w", fi.Path, err)
		}
		reports = append(reports, r)
	}
	return reports, nil
}

// resultSink collects the result stage's output of one task as an Arrow
// IPC stream.
type resultSink struct {
	mem memory.Allocator
	buf bytes.Buffer
	w   *ipc.Writer
}

var _ exec.Sink = (*resultSink)(nil)

// Consume implements exec.Sink.
func (s *resultSink) Consume(_ int, b arrow.RecordBatch) error {
	if s.w == nil {
		s.w = ipc.NewWriter(&s.buf, ipc.WithSchema(b.Schema()), ipc.WithAllocator(s.mem))
	}
	return s.w.Write(b)
}

// Done implements exec.Sink.
func (s *resultSink) Done(int) error { return nil }

// bytes ends the stream: empty when the task produced no batch.
func (s *resultSink) bytes() ([]byte, error) {
	if s.w == nil {
		return nil, nil
	}
	if err := s.w.Close(); err != nil {
		return nil, err
	}
	return s.buf.Bytes(), nil
}

// deliver hands result partition p, read from scratch, to sink: its
// batches, then Done.
func deliver(ctx context.Context, scratch string, p int, mem memory.Allocator, sink exec.Sink) error {
	data, err := storage.ReadFile(ctx, resultPath(scratch, p))
	if err != nil {
		return fmt.Errorf("cluster: reading result partition %d: %w", p, err)
	}
	if len(data) > 0 {
		r, err := ipc.NewReader(bytes.NewReader(data), ipc.WithAllocator(mem))
		if err != nil {
			return fmt.Errorf("cluster: decoding result partition %d: %w", p, err)
		}
		defer r.Release()
		for r.Next() {
			if err := sink.Consume(p, r.RecordBatch()); err != nil {
				return err
			}
		}
		if err := r.Err(); err != nil && err != io.EOF {
			return fmt.Errorf("cluster: decoding result partition %d: %w", p, err)
		}
	}
	return sink.Done(p)
}

func writeResult(ctx context.Context, scratch string, p int, data []byte) error {
	return storage.WriteFile(ctx, resultPath(scratch, p), data)
}
