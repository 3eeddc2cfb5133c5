package commit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// Committer carries one write job through the commit protocol of its
// destination's store, on the driver:
//
//	target, skip, err := c.Prepare(ctx) // before any task runs
//	… every task writes its part files under target (TaskWriter) …
//	err = c.Commit(ctx, files)          // the files the tasks committed
//	if err != nil { c.Abort() }         // after any failure past Prepare
//
// At every instant a reader of the destination sees either the old
// complete dataset or the new complete one (see the package doc).
// A Committer is used by one goroutine and for one job.
type Committer struct {
	w       *plan.Write
	store   protocol
	target  Target
	crashed bool // a test stopped the protocol: Abort leaves everything
	// job and records are set by NewJobCommitter: the job's fixed id and
	// the directory of its task records.
	job, records string
}

// protocol is one store's side of the commit: local disk (rename) or an
// object store (manifest PUT).
type protocol interface {
	// prepare checks the destination against the save mode and readies
	// the target the tasks write to; skip is true when the job has nothing
	// to do (Ignore, destination exists).
	prepare(ctx context.Context) (target Target, skip bool, err error)
	// commit makes the files of m, the job's manifest, the destination's
	// dataset (with the existing files for an Append). It runs after step
	// stepTasksDone.
	commit(ctx context.Context, m Manifest) error
	// abort cleans up after a failed job.
	abort()
}

// NewCommitter returns the committer of w's destination: the rename
// protocol on local disk, the manifest protocol on any other store
// package storage supports. It fails (with storage's error) for a scheme
// storage does not support, before anything is written.
func NewCommitter(w *plan.Write) (*Committer, error) {
	if strings.TrimSpace(w.Path) == "" {
		return nil, errors.New("exec: write: no destination path (an empty string would mean the current directory)")
	}
	c := &Committer{w: w}
	if dest, local := storage.LocalPath(w.Path); local {
		c.store = &localCommitter{dest: filepath.Clean(dest), mode: w.Mode}
		return c, nil
	}
	if _, err := storage.Resolve(w.Path); err != nil {
		return nil, err
	}
	c.store = &objectCommitter{dest: strings.TrimSuffix(w.Path, "/"), mode: w.Mode}
	return c, nil
}

// Prepare checks the destination against the write's save mode and
// readies the Target the job's tasks write to. skip is true when the job
// must not run (mode Ignore and the destination exists); on error the job
// must not run either.
func (c *Committer) Prepare(ctx context.Context) (target Target, skip bool, err error) {
	switch s := c.store.(type) {
	case *localCommitter:
		s.noSync, s.compatible = c.w.NoSync, c.checkAppend
	case *objectCommitter:
		s.compatible = c.checkAppend
	}
	c.target, skip, err = c.store.prepare(ctx)
	c.target.NoSync, c.target.Records = c.w.NoSync, c.records
	if err == nil && !skip && c.w.Mode == plan.Append {
		err = c.checkAppendTo(ctx)
	}
	return c.target, skip, err
}

// checkAppendTo refuses, before any task runs, an Append to a dataset
// whose manifest records another format, schema or partitioning.
func (c *Committer) checkAppendTo(ctx context.Context) error {
	old, err := ReadManifest(c.w.Path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, ErrNotManifest) {
		return nil // nothing there, or a dataset another tool wrote
	}
	if err != nil {
		return err
	}
	return c.checkAppend(old)
}

// checkAppend refuses an Append whose files would not read back with
// the existing ones: another format, other columns (names and types, in
// order; nullability may differ) or other partition columns than old, the
// destination's manifest, records. A dataset without a manifest (old has
// no format) is not checked.
func (c *Committer) checkAppend(old Manifest) error {
	if old.Format == "" {
		return nil
	}
	fail := func(what, was, is string) error {
		return fmt.Errorf("exec: append to %s: the dataset there is %s, this write's is %s; an Append must match it (write elsewhere, or Overwrite)", c.w.Path, what+" "+was, what+" "+is)
	}
	if format := c.w.Format.Extension(); old.Format != format {
		return fail("format", old.Format, format)
	}
	if !slices.Equal(old.PartitionBy, c.w.PartitionBy) {
		return fail("partitioned by", fmt.Sprint(old.PartitionBy), fmt.Sprint(c.w.PartitionBy))
	}
	layout := NewFileLayout(c.w.Format, c.w.Schema(), c.w.PartitionBy)
	was, err := plan.DecodeSchema(old.Schema)
	if err != nil {
		return fmt.Errorf("exec: append to %s: its manifest: %w", c.w.Path, err)
	}
	if !sameColumns(was, layout.schema) {
		return fail("schema", columnList(was), columnList(layout.schema))
	}
	return nil
}

// sameColumns reports whether a and b have the same column names and
// types, in order.
func sameColumns(a, b *arrow.Schema) bool {
	if a.NumFields() != b.NumFields() {
		return false
	}
	for i := range a.NumFields() {
		if a.Field(i).Name != b.Field(i).Name || !arrow.TypeEqual(a.Field(i).Type, b.Field(i).Type) {
			return false
		}
	}
	return true
}

// columnList renders a schema's columns as "(a int64, b utf8)".
func columnList(s *arrow.Schema) string {
	parts := make([]string, s.NumFields())
	for i, f := range s.Fields() {
		parts[i] = f.Name + " " + f.Type.String()
	}
	return "(" + strings.Join(parts, ", ") + ")"
}

// Commit makes files — what the job's tasks committed (TaskWriter.Commit)
// under the Target, in any order — the destination's dataset, and writes
// its _SUCCESS manifest. An empty result still gets one part file, which
// Commit writes with ctx's allocator (compute.WithAllocator). Once Commit has returned nil, the job is
// committed, even if deleting replaced data failed (that is logged).
//
// A job committer (NewJobCommitter) then removes the job's task records.
func (c *Committer) Commit(ctx context.Context, files []ManifestFile) error {
	err := c.commit(ctx, files)
	c.crashed = errors.Is(err, errCrash)
	if err == nil {
		c.Tidy(ctx)
	}
	return err
}

func (c *Committer) commit(ctx context.Context, files []ManifestFile) error {
	layout := NewFileLayout(c.w.Format, c.w.Schema(), c.w.PartitionBy)
	if len(files) == 0 {
		// An empty result still gets one part file, so that its schema (a
		// CSV header, a Parquet footer) is kept.
		var err error
		if files, err = emptyResult(NewTaskWriter(ctx, layout, c.target, 0)); err != nil {
			return err
		}
	}
	if err := step(stepTasksDone); err != nil {
		return err
	}
	m := newManifest(c.target.Job, c.w.Format.Extension(), layout.schema, files)
	m.PartitionBy = c.w.PartitionBy
	return c.store.commit(ctx, m)
}

// Abort cleans up after a failed job: it removes the staging directory
// (local disk) or what the job's tasks uploaded (object stores), unless
// the new dataset is already in place. A job committer's Abort does
// nothing: the job's tasks ran in other processes, and what they committed
// stays for a retried job commit.
func (c *Committer) Abort() {
	if c.crashed || c.records != "" {
		return // as if the process had died: nothing is cleaned up
	}
	c.store.abort()
}

// emptyResult writes the one part file of an empty result.
func emptyResult(t *TaskWriter) ([]ManifestFile, error) {
	defer t.Abort()
	if _, err := t.file(""); err != nil {
		return nil, err
	}
	return t.Commit()
}

// The steps of a commit, in order. Tests stop the protocol after each one
// (as a crash would) and check that the destination is always either as it
// was or complete.
const (
	stepTasksDone      = iota + 1 // every part file is out of _temporary
	stepTemporaryGone             // _temporary is removed
	stepManifest                  // _SUCCESS is in the staging directory
	stepExistingLinked            // Append: the existing files are hard-linked into staging
	stepSwapped                   // staging is in place at the destination
	stepOldRemoved                // the replaced data is deleted
)

// crashAfter, when set by a test (export_test.go), is called after each
// commit step; when it returns true, Commit returns errCrash at once and
// Abort cleans up nothing, as if the process had died there.
var crashAfter func(step int) bool

var errCrash = errors.New("exec: simulated crash")

// step records that a commit step is complete, and lets tests crash there.
func step(n int) error {
	if crashAfter != nil && crashAfter(n) {
		return errCrash
	}
	return nil
}
