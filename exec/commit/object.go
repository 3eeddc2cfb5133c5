package commit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
	"github.com/google/uuid"
)

// objectCommitter carries one write job through the commit protocol of a
// store without rename (s3://, gs://, azblob://, mem://).
//
// Tasks upload their part files in place, under names that hold the job's
// id, each visible only once complete. The job commit then writes the
// _SUCCESS manifest with one PUT, which is atomic on every object store:
// before it, the destination's manifest lists the old dataset; after it,
// the new one. ember's readers read exactly the files a manifest lists, so
// they never see a partial or mixed dataset; a tool that globs part-*
// without reading the manifest may see a failed job's files until they
// are deleted, and during an Overwrite both datasets until the old files
// are (docs/commit.md).
type objectCommitter struct {
	dest   string
	mode   plan.SaveMode
	job    string
	exists bool
	before []storage.FileInfo // the destination's files when the job started
	old    *Manifest          // its manifest then, if it had one
	done   bool               // the new manifest is in place
	// compatible checks an Append's files against the destination's
	// manifest (Committer.checkAppend).
	compatible func(Manifest) error
}

// prepare implements protocol.
func (c *objectCommitter) prepare(ctx context.Context) (Target, bool, error) {
	if c.job == "" {
		c.job = uuid.NewString()
	}
	target := Target{Dir: c.dest, Job: c.job, Direct: true}
	if info, err := storage.Stat(ctx, c.dest); err == nil && !info.IsDir && c.mode != plan.Ignore {
		return target, false, fmt.Errorf("exec: write %s: the path is a file, not a directory (an object): a write makes a directory of part files there (remove it, or choose another path)", c.dest)
	}
	all, err := storage.List(ctx, c.dest)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return target, false, fmt.Errorf("exec: write %s: %w", c.dest, err)
	}
	// The destination's dataset is what its manifest lists or, without
	// one, the files another tool wrote. ember part files that no
	// manifest lists are not: they are this job's own (a job whose tasks
	// ran in other processes: NewJobCommitter), another job's still
	// uploading, or a killed job's strays.
	var files []storage.FileInfo
	for _, f := range all {
		own := strings.Contains(f.Path, c.job)
		if !own && !emberPart.MatchString(path.Base(f.Path)) && path.Base(f.Path) != lockName {
			files = append(files, f)
		}
	}
	_, manifestErr := storage.Stat(ctx, storage.Join(c.dest, SuccessFile))
	c.before, c.exists = files, len(files) > 0 || manifestErr == nil
	switch {
	case c.exists && c.mode == plan.ErrorIfExists:
		return target, false, fmt.Errorf("exec: write %s: path already exists (mode ErrorIfExists); choose Overwrite, Append or Ignore", c.dest)
	case c.exists && c.mode == plan.Ignore:
		return target, true, nil
	}
	if c.exists {
		if m, err := ReadManifest(c.dest); err == nil {
			c.old = &m
		} else if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotManifest) {
			return target, false, err
		}
	}
	return target, false, nil
}

// commit implements protocol. It holds the destination's commit lock
// (lockObjects) from before it reads the destination's manifest again
// until its own is in place, so that jobs writing one destination at once
// commit one after the other: an Append adds to what the job before it
// committed, an Overwrite deletes what that job's manifest listed.
func (c *objectCommitter) commit(ctx context.Context, m Manifest) error {
	unlock, err := lockObjects(ctx, c.dest, c.job)
	if err != nil {
		return err
	}
	defer unlock()
	switch cur, err := ReadManifest(c.dest); {
	case err == nil && cur.Job != c.job:
		if c.mode == plan.ErrorIfExists && !c.exists {
			return fmt.Errorf("exec: write %s: another job wrote there while this one ran (mode ErrorIfExists)", c.dest)
		}
		if c.mode == plan.Ignore && !c.exists {
			c.abort()
			c.done = true
			return nil
		}
		if c.mode == plan.Append && c.compatible != nil {
			if err := c.compatible(cur); err != nil {
				return err
			}
		}
		c.old, c.exists = &cur, true
	case err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, ErrNotManifest):
		return err
	}
	if c.exists && c.mode == plan.Append {
		m = c.previous().merge(m)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	data, err := m.encode()
	if err != nil {
		return err
	}
	if err := storage.WriteFile(ctx, storage.Join(c.dest, SuccessFile), data); err != nil {
		return err
	}
	c.done = true
	if err := step(stepSwapped); err != nil {
		return err
	}
	if c.exists && c.mode == plan.Overwrite {
		// The job has committed: failing to delete the old files must not
		// make it look failed.
		keep := map[string]bool{}
		for _, f := range m.Files {
			keep[f.Name] = true
		}
		for _, name := range c.previous().names() {
			if keep[name] {
				continue
			}
			if err := storage.Remove(context.WithoutCancel(ctx), storage.Join(c.dest, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				slog.Warn("ember: could not remove replaced output", "path", storage.Join(c.dest, name), "err", err)
			}
		}
	}
	return step(stepOldRemoved)
}

// emberPart matches the names of ember's part files (part-NNNNN-<job
// uuid>.<ext>, TaskWriter), not those of Spark (part-NNNNN-<uuid>-c000.…).
var emberPart = regexp.MustCompile(`^part-\d{5}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.[A-Za-z0-9.]+$`)

// lockName is the object that holds a destination's commit lock; readers
// skip it (a leading underscore).
const lockName = "_ember_commit.lock"

// lockLease is how long a commit lock protects its holder: a lock older
// than that belongs to a job that died while committing, and may be
// broken. A commit holds it for a manifest read and a PUT.
const lockLease = 2 * time.Minute

// lockObjects takes the commit lock of the object-store destination dest
// for job: an object created only if absent (a conditional PUT). It waits,
// until ctx ends, while another job holds it, and breaks a lock older than
// lockLease. On a store without conditional writes it takes no lock, and
// concurrent commits to dest are not serialized (docs/commit.md).
func lockObjects(ctx context.Context, dest, job string) (unlock func(), err error) {
	path := storage.Join(dest, lockName)
	host, _ := os.Hostname()
	body, _ := json.Marshal(map[string]any{"job": job, "host": host, "pid": os.Getpid(), "since": time.Now().UTC()})
	for wait := 5 * time.Millisecond; ; wait = min(2*wait, 200*time.Millisecond) {
		err := storage.CreateExclusive(ctx, path, body)
		switch {
		case err == nil:
			return func() {
				if err := storage.Remove(context.WithoutCancel(ctx), path); err != nil {
					slog.Warn("ember: could not release the commit lock", "path", path, "err", err)
				}
			}, nil
		case errors.Is(err, storage.ErrNoExclusiveCreate):
			return func() {}, nil
		case !errors.Is(err, fs.ErrExist):
			return nil, fmt.Errorf("exec: write %s: taking the commit lock: %w", dest, err)
		}
		if info, err := storage.Stat(ctx, path); err == nil && !info.ModTime.IsZero() && time.Since(info.ModTime) > lockLease {
			slog.Warn("ember: breaking an expired commit lock", "path", path, "since", info.ModTime)
			storage.Remove(ctx, path)
			continue
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("exec: write %s: waiting for another job's commit: %w", dest, context.Cause(ctx))
		case <-time.After(wait):
		}
	}
}

// previous is the dataset at the destination when the job started: its
// manifest, or, when it had none (another tool wrote it), its data files
// with unknown row counts.
func (c *objectCommitter) previous() Manifest {
	if c.old != nil {
		return *c.old
	}
	m := Manifest{Rows: -1}
	for _, f := range c.before {
		rel := strings.TrimPrefix(strings.TrimPrefix(f.Path, c.dest), "/")
		if hiddenPath(rel) {
			continue
		}
		m.Files = append(m.Files, ManifestFile{Name: rel, Rows: -1, Bytes: f.Size})
	}
	return m
}

// names lists the manifest's files.
func (m Manifest) names() []string {
	out := make([]string, len(m.Files))
	for i, f := range m.Files {
		out[i] = f.Name
	}
	return out
}

// hiddenPath reports whether a relative path has a component that readers
// skip (_SUCCESS, _temporary, .hidden).
func hiddenPath(rel string) bool {
	for _, part := range strings.Split(rel, "/") {
		if strings.HasPrefix(part, "_") || strings.HasPrefix(part, ".") {
			return true
		}
	}
	return false
}

// abort implements protocol: before the manifest is in place, it
// deletes what this job's tasks uploaded (their names hold the job's id);
// a retried task's duplicates go with them.
func (c *objectCommitter) abort() {
	if c.done || c.job == "" {
		return
	}
	ctx := context.Background()
	files, err := storage.List(ctx, c.dest)
	if err != nil {
		return
	}
	for _, f := range files {
		if strings.Contains(path.Base(f.Path), c.job) {
			storage.Remove(ctx, f.Path)
		}
	}
}
