package frame

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ember-df/ember/exec"
	"github.com/ember-df/ember/io/csvio"
	"github.com/ember-df/ember/io/ipcio"
	"github.com/ember-df/ember/io/jsonio"
	"github.com/ember-df/ember/io/parquetio"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/plan/optimize"
	"github.com/ember-df/ember/storage"
	"github.com/google/uuid"
)

// SavedPlanVersion is the version of the saved-plan file SavePlan writes;
// ReadPlan refuses any other.
const SavedPlanVersion = 1

// SavedPlan is a write job saved by DataFrameWriter.SavePlan, to be run
// later and elsewhere (`ember run`): the optimized plan, the session
// settings that shape its stage graph, and the job's id.
type SavedPlan struct {
	Version int `json:"ember_saved_plan"`
	// Job is the id the job runs under when its tasks run as separate
	// shares (Session.RunPlanShare, Session.CommitPlan): a new UUID for
	// each SavePlan, so one saved file is one run of the job. The local
	// runner (Session.RunPlan) gives each run an id of its own.
	Job   string    `json:"job"`
	Saved time.Time `json:"saved"`
	// Settings are the saving session's: parallelism decides how
	// aggregates are partitioned, so a plan runs the same everywhere.
	Settings PlanSettings `json:"settings"`
	// Plan is the optimized plan, rooted at its Write (plan.Marshal).
	Plan json.RawMessage `json:"plan"`

	write *plan.Write
}

// PlanSettings are the exec.Config settings a saved plan carries.
type PlanSettings struct {
	Parallelism  int   `json:"parallelism"`
	MemoryBudget int64 `json:"memoryBudget,omitempty"`
	BatchRows    int   `json:"batchRows,omitempty"`
	BatchBytes   int64 `json:"batchBytes,omitempty"`
}

// SavePlan saves the write job instead of running it: the optimized plan
// that writes the DataFrame as format — "csv", "parquet", "json" or
// "arrow", with the writer's options, mode and PartitionBy — to dest, with
// the session's settings and a new job id, as a JSON SavedPlan at path (a
// local file or a URL on any store package storage supports, written all
// at once). `ember run path` runs it later, anywhere.
//
// Nothing runs and nothing is read but the sources' metadata. A plan that
// cannot travel is refused, naming what holds it back, and nothing is
// written: a Go closure (MapBatches), a UDF not registered by name (the
// error wraps plan.ErrNotPortable), in-memory data, a model that is a Go
// value. The process that runs the plan must register the same functions
// and models (cmd/ember links the io formats, ONNX and plugin models).
func (w *DataFrameWriter) SavePlan(path, format, dest string) error {
	if err := w.df.failure(); err != nil {
		return err
	}
	if err := w.df.sess.checkOpen("Write().SavePlan"); err != nil {
		return err
	}
	f, err := w.fileFormat(format)
	if err != nil {
		return fmt.Errorf("frame: Write().SavePlan: %w", err)
	}
	root, err := w.plan(f, dest)
	if err != nil {
		return fmt.Errorf("frame: Write().SavePlan: %w", err)
	}
	if err := root.CheckColumns(); err != nil {
		return fmt.Errorf("frame: Write().SavePlan: %w", err)
	}
	if err := root.CheckPartitionBy(); err != nil {
		return fmt.Errorf("frame: Write().PartitionBy: %w", err)
	}
	optimized := optimize.Optimize(root)
	data, err := plan.Marshal(optimized)
	if err != nil {
		return fmt.Errorf("frame: Write().SavePlan: %w", err)
	}
	cfg := w.df.sess.cfg
	saved := SavedPlan{
		Version: SavedPlanVersion, Job: uuid.NewString(), Saved: time.Now().UTC(), Plan: data,
		Settings: PlanSettings{Parallelism: w.df.sess.parallelism(), MemoryBudget: cfg.MemoryBudget, BatchRows: cfg.BatchRows, BatchBytes: cfg.BatchBytes},
	}
	out, err := json.MarshalIndent(saved, "", "  ")
	if err != nil {
		return fmt.Errorf("frame: Write().SavePlan: %w", err)
	}
	if err := storage.WriteFile(context.Background(), path, append(out, '\n')); err != nil {
		return fmt.Errorf("frame: Write().SavePlan: %w", err)
	}
	return nil
}

// fileFormat is the file format named name, with the writer's options.
func (w *DataFrameWriter) fileFormat(name string) (plan.FileFormat, error) {
	switch strings.ToLower(name) {
	case "csv":
		opts, err := csvio.ParseOptions(w.options)
		return csvio.Format{Options: opts}, err
	case "parquet":
		opts, err := parquetio.ParseOptions(w.options)
		return parquetio.Format{Options: opts}, err
	case "json":
		opts, err := jsonio.ParseOptions(w.options)
		return jsonio.Format{Options: opts}, err
	case "arrow", "ipc":
		opts, err := ipcio.ParseOptions(w.options)
		return ipcio.Format{Options: opts}, err
	}
	return nil, fmt.Errorf("unknown format %q (want csv, parquet, json or arrow)", name)
}

// ErrNotSavedPlan is wrapped by the errors of ReadPlan and DecodePlan for
// data that is no saved plan of this version.
var ErrNotSavedPlan = errors.New("frame: not a saved plan")

// ReadPlan reads and decodes the plan SavePlan saved at path (a local
// file or a URL on any supported store): see DecodePlan.
func ReadPlan(ctx context.Context, path string) (*SavedPlan, error) {
	data, err := storage.ReadFile(ctx, path)
	if err != nil {
		return nil, fmt.Errorf("frame: reading plan %s: %w", path, err)
	}
	p, err := DecodePlan(data)
	if err != nil {
		return nil, fmt.Errorf("frame: plan %s: %w", path, err)
	}
	return p, nil
}

// DecodePlan decodes a saved plan. Decoding resolves the plan's sources,
// formats, functions and models through their registries, so this
// process must link what the saving process used (an unregistered one is
// an error naming it); models are only loaded when the plan runs.
func DecodePlan(data []byte) (*SavedPlan, error) {
	var p SavedPlan
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNotSavedPlan, err)
	}
	if p.Version != SavedPlanVersion {
		return nil, fmt.Errorf("%w: version %d (this build reads version %d)", ErrNotSavedPlan, p.Version, SavedPlanVersion)
	}
	root, err := plan.Unmarshal(p.Plan)
	if err != nil {
		return nil, err
	}
	w, ok := root.(*plan.Write)
	if !ok {
		return nil, fmt.Errorf("%w: its plan is no write job (root %T)", ErrNotSavedPlan, root)
	}
	p.write = w
	return &p, nil
}

// Write is the plan's write job: its destination, format, mode and input.
func (p *SavedPlan) Write() *plan.Write { return p.write }

// String names the job: "Write parquet s3://b/out".
func (p *SavedPlan) String() string {
	return fmt.Sprintf("Write %s %s", p.write.Format.Name(), p.write.Path)
}

// planConfig is the session's config with the plan's settings.
func (s *Session) planConfig(p *SavedPlan) exec.Config {
	cfg := s.cfg
	cfg.Parallelism = p.Settings.Parallelism
	cfg.MemoryBudget = p.Settings.MemoryBudget
	cfg.BatchRows, cfg.BatchBytes = p.Settings.BatchRows, p.Settings.BatchBytes
	return cfg
}

// RunPlan runs a saved write job with the session's runner and the plan's
// settings, committing it as DataFrameWriter's methods do. The job is
// recorded in Jobs like any action.
func (s *Session) RunPlan(ctx context.Context, p *SavedPlan) (exec.Metrics, error) {
	if err := s.checkOpen(p.String()); err != nil {
		return exec.Metrics{}, err
	}
	job := s.startJob(p.String())
	m, err := exec.Write(ctx, s.runner, s.jobConfig(s.planConfig(p), job, nil), p.write)
	s.finishJob(ctx, job, m, err)
	return m, err
}

// RunPlanShare runs share index of count of a saved map-only write job in
// this process, parallelism tasks at once (the plan's setting when zero):
// the job's partitions p with p % count == index write and commit their
// files, and record them for CommitPlan (exec.WriteShare). It is the work
// of one pod of a Kubernetes Indexed Job; shares run in any order, and a
// share run again skips its tasks that recorded their files and replaces
// the files of those that did not. A plan with exchanges is refused
// (exec.ErrNotMapOnly).
func (s *Session) RunPlanShare(ctx context.Context, p *SavedPlan, index, count, parallelism int) (exec.Metrics, error) {
	action := fmt.Sprintf("%s (share %d of %d)", p, index, count)
	if err := s.checkOpen(action); err != nil {
		return exec.Metrics{}, err
	}
	job := s.startJob(action)
	m, err := exec.WriteShare(ctx, s.planConfig(p), p.write, exec.Share{Job: p.Job, Index: index, Count: count, Parallelism: parallelism})
	s.finishJob(ctx, job, m, err)
	return m, err
}

// CommitPlan commits a saved write job whose shares (RunPlanShare) have
// all succeeded (exec.CommitShares): the finishing step of an Indexed
// Job. It fails, changing nothing, while some share has not run, and does
// nothing when the job has committed already.
func (s *Session) CommitPlan(ctx context.Context, p *SavedPlan) error {
	if err := s.checkOpen("commit " + p.String()); err != nil {
		return err
	}
	return exec.CommitShares(ctx, s.planConfig(p), p.write, p.Job)
}
