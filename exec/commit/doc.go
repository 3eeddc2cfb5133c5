// Package commit is the protocol that makes a write job's output appear
// at its destination all at once, over package storage: a reader of the
// destination sees either the old complete dataset or the new complete
// one, never a partial or mixed one (docs/commit.md).
//
// A job writes a directory of part files, one per task and Hive
// directory, named part-NNNNN-<job uuid>.<ext>, plus a _SUCCESS Manifest
// listing them. The driver runs the job commit (Committer: Prepare before
// the tasks, Commit or Abort after them); each task, wherever it runs,
// writes and commits its own files (TaskWriter). How depends on the store:
//
//   - On local disk, tasks write under _temporary/ of a staging directory
//     beside the destination (.<name>.ember-staging-<host>-<pid>-<job>)
//     and rename their file out of it when their partition ends. When
//     every task has succeeded, the job writes the manifest and puts the
//     staging directory in place with one rename — or, when the
//     destination exists (Overwrite, and Append, whose staging directory
//     also holds hard links to the existing files), one
//     renameat2(RENAME_EXCHANGE), after which the old data is deleted. A
//     failed or cancelled job removes its staging directory; one killed
//     outright leaves only a staging directory, which the next write to
//     the same destination removes.
//   - On object stores, which have no rename, tasks upload their files in
//     place under names no other job uses, each visible only once
//     complete; the job commit then writes the _SUCCESS manifest with one
//     PUT, and ember's readers read exactly the files a manifest lists. An
//     Overwrite deletes the old files once the new manifest is in place;
//     a failed job deletes what its tasks uploaded.
//
// The package also owns the manifest format (Manifest, ReadManifest); the
// Hive directory codec the part files' paths use is internal/hivepath's.
package commit
