package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/storage"
)

// The states a status file goes through: RUNNING, then SUCCEEDED or
// FAILED.
const (
	StateRunning   = "RUNNING"
	StateSucceeded = "SUCCEEDED"
	StateFailed    = "FAILED"
)

// Status is what `--status FILE` holds, as JSON: written when the command
// starts (State RUNNING) and replaced when it ends (SUCCEEDED or FAILED,
// with the metrics or the error). Each write replaces the whole file at
// once (on local disk a temporary file renamed into place; on object
// stores one PUT), so a poller never reads half a status.
type Status struct {
	State   string `json:"state"`
	Command string `json:"command"` // run or commit
	Plan    string `json:"plan"`
	Job     string `json:"job,omitempty"`
	// Index and Count are set for one share of an Indexed Job.
	Index    *int       `json:"index,omitempty"`
	Count    int        `json:"count,omitempty"`
	Started  time.Time  `json:"started"`
	Finished *time.Time `json:"finished,omitempty"`
	Metrics  *Metrics   `json:"metrics,omitempty"`
	// Error is the whole error of a failed command (stderr has its first
	// line).
	Error string `json:"error,omitempty"`

	ctx  context.Context
	path string
}

// Metrics are a finished job's exec.Metrics, as the status file writes
// them.
type Metrics struct {
	RowsRead       int64        `json:"rowsRead"`
	BatchesRead    int64        `json:"batchesRead"`
	RowsOutput     int64        `json:"rowsOutput"`
	Partitions     int          `json:"partitions"`
	Stages         int          `json:"stages"`
	Tasks          int64        `json:"tasks"`
	ElapsedSeconds float64      `json:"elapsedSeconds"`
	UDFs           []UDFMetrics `json:"udfs,omitempty"`
}

// UDFMetrics are one model's or function's figures in Metrics.
type UDFMetrics struct {
	Function   string  `json:"function"`
	Column     string  `json:"column"`
	Rows       int64   `json:"rows"`
	Batches    int64   `json:"batches"`
	FailedRows int64   `json:"failedRows"`
	Retries    int64   `json:"retries"`
	Loads      int64   `json:"loads"`
	LoadTime   float64 `json:"loadSeconds"`
}

func newStatus(ctx context.Context, path, command, plan string) *Status {
	return &Status{ctx: context.WithoutCancel(ctx), path: path, State: StateRunning, Command: command, Plan: plan, Started: time.Now().UTC()}
}

// write replaces the status file, if there is one.
func (s *Status) write() error {
	if s.path == "" {
		return nil
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	if err := storage.WriteFile(s.ctx, s.path, append(data, '\n')); err != nil {
		return fmt.Errorf("writing the status file: %w", err)
	}
	return nil
}

// end records the command's outcome and returns err, or the error of
// writing the status when that is the only one.
func (s *Status) end(m *exec.Metrics, err error) error {
	now := time.Now().UTC()
	s.Finished = &now
	s.State = StateSucceeded
	if err != nil {
		s.State, s.Error = StateFailed, err.Error()
	}
	if m != nil {
		s.Metrics = &Metrics{RowsRead: m.RowsRead, BatchesRead: m.BatchesRead, RowsOutput: m.RowsOutput, Partitions: m.Partitions,
			Stages: m.Stages, Tasks: m.Tasks, ElapsedSeconds: m.Elapsed.Seconds()}
		for _, u := range m.UDFs {
			s.Metrics.UDFs = append(s.Metrics.UDFs, UDFMetrics{Function: u.Function, Column: u.Column, Rows: u.Rows, Batches: u.Batches,
				FailedRows: u.FailedRows, Retries: u.Retries, Loads: u.Loads, LoadTime: u.LoadTime.Seconds()})
		}
	}
	if werr := s.write(); err == nil {
		return werr
	}
	return err
}
