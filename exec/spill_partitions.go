package exec

import (
	"context"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/ember-df/ember/internal/spill"
)

// spillFanOut is the number of hash partitions a spilling hash table
// writes; spillBits the hash bits that choose among them.
const (
	spillFanOut = 1 << spillBits
	spillBits   = 4
)

// maxSpillLevels bounds how often a hash partition that still does not
// fit is split again (by the next spillBits of the hash): 16^8 ways.
const maxSpillLevels = 8

// spillPartitions is the spilled side of a hash table that outgrew the
// memory budget: rows written to spillFanOut files by the hash of their
// key, so that each partition can later be processed on its own — all
// the rows of a key land in one partition. Partition i at level L holds
// the keys whose hash has i in bits [60-4L, 64-4L); a partition that
// still does not fit is split again at level L+1. The top bits are used
// because the hash exchange before a final aggregate placed rows by the
// hash modulo the partition count.
//
// The final aggregate spills its partial states here. It is the piece a
// hash join's build side reuses (issue 15): spill the build rows by key
// hash, the probe rows by the same hash at the same level, and join
// partition i of one with partition i of the other (a grace hash join).
//
// A spillPartitions keeps up to spillFanOut files open for writing until
// finish; it is used by one goroutine.
type spillPartitions struct {
	job     *job
	schema  *arrow.Schema
	level   int
	writers [spillFanOut]*spill.Writer
	files   [spillFanOut][]*spill.File
}

// spillPartition is one hash partition's files, at the level they were
// split.
type spillPartition struct {
	level int
	files []*spill.File
}

func newSpillPartitions(j *job, schema *arrow.Schema, level int) *spillPartitions {
	return &spillPartitions{job: j, schema: schema, level: level}
}

// partitionOf is the partition of a key hash at level.
func partitionOf(hash uint64, level int) int {
	return int(hash>>(64-spillBits*(level+1))) & (spillFanOut - 1)
}

// write spills the rows of b (borrowed), row i having key hash hashes[i].
func (s *spillPartitions) write(ctx context.Context, b arrow.RecordBatch, hashes []uint64) error {
	targets := make([]int, len(hashes))
	for i, h := range hashes {
		targets[i] = partitionOf(h, s.level)
	}
	return scatter(ctx, b, targets, spillFanOut, func(p int, part arrow.RecordBatch) error {
		defer part.Release()
		if s.writers[p] == nil {
			w, err := s.job.spillDir().Create(s.schema)
			if err != nil {
				return err
			}
			s.writers[p] = w
		}
		return s.writers[p].Write(part)
	})
}

// finish closes the files and returns the non-empty partitions, in
// partition order; their files pass to the caller.
func (s *spillPartitions) finish() ([]spillPartition, error) {
	var out []spillPartition
	var first error
	for p, w := range s.writers {
		if w == nil {
			continue
		}
		s.writers[p] = nil
		f, err := w.Finish()
		if err != nil {
			if first == nil {
				first = err
			}
			continue
		}
		s.files[p] = append(s.files[p], f)
	}
	for p := range s.files {
		if len(s.files[p]) > 0 {
			out = append(out, spillPartition{level: s.level, files: s.files[p]})
			s.files[p] = nil
		}
	}
	if first != nil {
		for _, p := range out {
			removeFiles(p.files)
		}
		return nil, first
	}
	return out, nil
}

// release aborts the files being written and removes those not handed
// out. It is idempotent.
func (s *spillPartitions) release() {
	for p, w := range s.writers {
		if w != nil {
			w.Abort()
			s.writers[p] = nil
		}
	}
	for p := range s.files {
		removeFiles(s.files[p])
		s.files[p] = nil
	}
}
