package commit

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ember-df/ember/plan"
	"github.com/google/uuid"
)

// localCommitter carries one write job through the local disk's commit
// protocol: tasks write under _temporary/ of a staging directory beside
// the destination and rename their files out of it; the job commit puts
// the staging directory in place with one rename or exchange.
type localCommitter struct {
	dest, staging string
	job           string
	mode          plan.SaveMode
	exists        bool // the destination existed when the job started
	done          bool // the staging directory is in place (or gone)
	noSync        bool // skip fsync (plan.Write.NoSync)
	// compatible checks an Append's files against the destination's
	// manifest (Committer.checkAppend).
	compatible func(Manifest) error
	// shared is set for a job whose processes share its staging
	// directory (NewJobCommitter): job and staging are fixed beforehand,
	// and prepare neither removes nor recreates what another process of
	// the job wrote there.
	shared bool
}

// prepare implements protocol.
func (c *localCommitter) prepare(context.Context) (Target, bool, error) {
	exists, err := c.prepareStaging()
	c.exists = exists
	return Target{Dir: c.staging, Job: c.job}, err == nil && exists && c.mode == plan.Ignore, err
}

// abort implements protocol: it removes the staging directory, unless
// it is already in place.
func (c *localCommitter) abort() {
	if !c.done && c.staging != "" {
		os.RemoveAll(c.staging)
	}
}

// prepareStaging checks the destination against the mode, removes staging
// directories that dead jobs left beside it, and creates this job's.
func (c *localCommitter) prepareStaging() (exists bool, err error) {
	exists, err = c.destinationExists()
	if err != nil {
		return exists, err
	}
	switch {
	case exists && c.mode == plan.ErrorIfExists:
		return true, fmt.Errorf("exec: write %s: path already exists (mode ErrorIfExists); choose Overwrite, Append or Ignore", c.dest)
	case exists && c.mode == plan.Ignore:
		return true, nil
	}
	parent := filepath.Dir(c.dest)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return exists, fmt.Errorf("exec: write %s: %w", c.dest, err)
	}
	removeAbandoned(parent, filepath.Base(c.dest))
	if !c.shared {
		c.job = uuid.NewString()
		c.staging = filepath.Join(parent, fmt.Sprintf("%s%s-%d-%s", stagingPrefix(filepath.Base(c.dest)), hostTag(), os.Getpid(), c.job))
	}
	if err := os.MkdirAll(filepath.Join(c.staging, "_temporary"), 0o755); err != nil {
		return exists, fmt.Errorf("exec: write %s: %w", c.dest, err)
	}
	return exists, nil
}

// destinationExists reports whether the destination exists, refusing one
// that is not a directory: Overwrite and Append would replace a user's file
// with a directory of part files.
func (c *localCommitter) destinationExists() (bool, error) {
	info, err := os.Stat(c.dest)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("exec: write %s: %w", c.dest, err)
	case !info.IsDir() && c.mode != plan.Ignore:
		return true, fmt.Errorf("exec: write %s: the path is a file, not a directory: a write makes a directory of part files there (remove the file, or choose another path)", c.dest)
	case c.mode == plan.Overwrite || c.mode == plan.Append:
		if isMountPoint(c.dest, info) {
			return true, fmt.Errorf("exec: write %s: the path is a mount point (a volume): the commit replaces the destination directory as a whole, which a mount point cannot be; write to a directory inside it, such as %s", c.dest, filepath.Join(c.dest, "out"))
		}
	}
	return true, nil
}

func stagingPrefix(name string) string { return "." + name + ".ember-staging-" }

// removeAbandoned deletes the staging directories of name that a process
// of this host left when it died mid-job, so that crashes leave no garbage
// for long. Directories of other hosts (a shared volume) are left alone:
// their process cannot be checked from here.
func removeAbandoned(parent, name string) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	prefix := stagingPrefix(name) + hostTag() + "-"
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if !ok || strings.HasSuffix(rest, ".old") {
			continue // .old: the fallback swap's copy of the old data
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || processAlive(pid) {
			continue
		}
		os.RemoveAll(filepath.Join(parent, e.Name()))
	}
}

// hostTag names this host in staging directory names: its hostname,
// reduced to characters that are safe in a file name.
func hostTag() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "host"
	}
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, h)
}

// commit implements protocol. It holds the commit lock of the
// destination's parent from before it looks at the destination until the
// new dataset is in place, so that concurrent jobs writing to one
// destination commit one after the other and an Append includes what the
// one before it committed.
func (c *localCommitter) commit(ctx context.Context, m Manifest) error {
	unlock, err := lockParent(ctx, filepath.Dir(c.dest))
	if err != nil {
		return err
	}
	defer unlock()
	// Another job may have created, replaced or appended to the
	// destination since this one started.
	exists, err := c.destinationExists()
	if err != nil {
		return err
	}
	switch {
	case exists && c.mode == plan.ErrorIfExists:
		return fmt.Errorf("exec: write %s: another job created the path while this one ran (mode ErrorIfExists)", c.dest)
	case exists && c.mode == plan.Ignore:
		c.abort()
		c.done = true
		return nil
	}
	if err := os.RemoveAll(filepath.Join(c.staging, "_temporary")); err != nil {
		return err
	}
	if err := step(stepTemporaryGone); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if exists && c.mode == plan.Append {
		old, err := linkExisting(c.dest, c.staging)
		if err != nil {
			return fmt.Errorf("linking the existing files: %w", err)
		}
		if err := c.compatible(old); err != nil {
			return err
		}
		m = old.merge(m)
	}
	if err := m.write(c.staging, !c.noSync); err != nil {
		return err
	}
	if !c.noSync {
		if err := syncDirs(c.staging); err != nil {
			return fmt.Errorf("flushing %s: %w", c.staging, err)
		}
	}
	if err := step(stepManifest); err != nil {
		return err
	}
	if exists && c.mode == plan.Append {
		if err := step(stepExistingLinked); err != nil {
			return err
		}
	}
	if !exists {
		if err := os.Rename(c.staging, c.dest); err != nil {
			return err
		}
		c.done = true
		if err := c.syncParent(); err != nil {
			return err
		}
		return step(stepSwapped)
	}
	// The destination exists: swap atomically, then delete the old data,
	// which now sits at the staging path.
	if err := swapPaths(c.staging, c.dest); err != nil {
		return err
	}
	c.done = true
	if err := c.syncParent(); err != nil {
		return err
	}
	if err := step(stepSwapped); err != nil {
		return err
	}
	// The job has committed: failing to delete the old data must not make
	// it look failed (a retried Append would duplicate rows).
	if err := os.RemoveAll(c.staging); err != nil {
		slog.Warn("ember: could not remove replaced output", "path", c.staging, "err", err)
	}
	return step(stepOldRemoved)
}

// syncParent makes the rename or swap that put the new dataset in place
// durable.
func (c *localCommitter) syncParent() error {
	if c.noSync {
		return nil
	}
	if err := syncPath(filepath.Dir(c.dest)); err != nil {
		return fmt.Errorf("flushing %s: %w", filepath.Dir(c.dest), err)
	}
	return nil
}

// swapPaths swaps two paths atomically where the system can (Linux's
// renameat2 RENAME_EXCHANGE). Elsewhere it takes two renames, with a short
// window in which the destination is missing (never half-written).
func swapPaths(staging, dest string) error {
	if err := exchangePaths(staging, dest); !errors.Is(err, errNoExchange) {
		return err
	}
	old := staging + ".old"
	if err := os.Rename(dest, old); err != nil {
		return err
	}
	if err := os.Rename(staging, dest); err != nil {
		os.Rename(old, dest)
		return err
	}
	return os.Rename(old, staging)
}

// linkExisting hard-links every file of dest except _SUCCESS into staging,
// keeping subdirectories, and returns dest's manifest (or one listing its
// files with unknown row counts when it has none).
func linkExisting(dest, staging string) (Manifest, error) {
	old, err := ReadManifest(dest)
	known := err == nil
	err = filepath.WalkDir(dest, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dest, path)
		if err != nil || rel == "." || rel == SuccessFile {
			return err
		}
		target := filepath.Join(staging, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		if !known && !strings.HasPrefix(d.Name(), ".") {
			old.Files = append(old.Files, ManifestFile{Name: filepath.ToSlash(rel), Rows: -1})
		}
		return os.Link(path, target)
	})
	if !known {
		old.Rows = -1
	}
	return old, err
}
