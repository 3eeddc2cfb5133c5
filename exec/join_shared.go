package exec

import (
	"sync"

	"github.com/apache/arrow-go/v18/arrow"
)

// sharedTable is the build side of a broadcast join, built once per job
// by the first task that needs it, from its copy of the broadcast, and
// read by every task of the join (a joinTable is read-only once built).
// It is released once every task of the join has closed and none uses
// it, or when the job finishes, however far it got.
type sharedTable struct {
	mu     sync.Mutex
	table  *joinTable
	err    error
	tasks  int // the join's tasks
	closed int // tasks that closed
	users  int // tasks that got the table and have not closed
}

// get returns the table, building it with build if no task has (or, for
// a task run again, since it was released); other tasks wait for it.
// Every call fails with build's error if it failed.
func (s *sharedTable) get(build func() (*joinTable, error)) (*joinTable, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.table == nil && s.err == nil {
		s.table, s.err = build()
	}
	if s.err != nil {
		return nil, s.err
	}
	s.users++
	return s.table, nil
}

// done records that a task closed, having got the table (used) or not;
// the table goes once all have closed and none uses it.
func (s *sharedTable) done(used bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed++
	if used {
		s.users--
	}
	if s.users == 0 && s.closed >= s.tasks && s.table != nil {
		s.table.release()
		s.table = nil
	}
}

// release releases the table when the job ends.
func (s *sharedTable) release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.table != nil {
		s.table.release()
		s.table = nil
	}
}

// leftPair is the schema of the pair schema's left columns: what semi
// and anti joins output, before assembly.
func (s *joinSpec) leftPair() *arrow.Schema {
	return arrow.NewSchema(s.pair.Fields()[:s.nleft], nil)
}
