package ui

import (
	"sync"
	"testing"
	"time"

	"github.com/ember-df/ember/exec"
)

// TestStoreKeepsTheLastJobs: beyond its bound a store forgets its
// oldest finished job first; a running job stays until it ends.
func TestStoreKeepsTheLastJobs(t *testing.T) {
	s := NewStore(3)
	start := func(id int64) { s.OnEvent(exec.Event{Kind: exec.JobStart, Job: id, Time: time.Now()}) }
	end := func(id int64) {
		s.OnEvent(exec.Event{Kind: exec.JobEnd, Job: id, Time: time.Now(), Metrics: &exec.Metrics{}})
	}
	start(1) // runs throughout
	for id := int64(2); id <= 6; id++ {
		start(id)
		end(id)
	}
	var ids []int64
	for _, j := range s.Jobs() {
		ids = append(ids, j.ID)
	}
	if len(ids) != 3 || ids[0] != 1 || ids[1] != 5 || ids[2] != 6 {
		t.Errorf("kept jobs %v, want [1 5 6]: the running job and the last two", ids)
	}
	// Events of a forgotten job are dropped, not recorded half.
	s.OnEvent(exec.Event{Kind: exec.TaskEnd, Job: 2, Task: &exec.TaskMetrics{}})
	if _, ok := s.Job(2); ok {
		t.Error("a forgotten job came back")
	}
}

// TestStoreConcurrentEvents: tasks report from many goroutines while
// pages read (run with -race); every task is counted once.
func TestStoreConcurrentEvents(t *testing.T) {
	const partitions = 64
	s := NewStore(0)
	s.OnEvent(exec.Event{Kind: exec.JobStart, Job: 7, Time: time.Now(), Stages: []exec.StageInfo{{ID: 0, Partitions: partitions, Output: "result"}}})
	var wg sync.WaitGroup
	stop := make(chan struct{})
	go func() {
		for {
			select {
			case <-stop:
				return
			default:
				s.Jobs()
				s.Job(7)
			}
		}
	}()
	for p := range partitions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.OnEvent(exec.Event{Kind: exec.TaskStart, Job: 7, Partition: p, Time: time.Now()})
			s.OnEvent(exec.Event{Kind: exec.TaskEnd, Job: 7, Partition: p, Time: time.Now(),
				Task: &exec.TaskMetrics{Partition: p, RowsRead: 10, BatchesRead: 1, BytesRead: 80, RowsOutput: 10}})
		}()
	}
	wg.Wait()
	close(stop)
	j, _ := s.Job(7)
	st := j.Stages[0]
	if st.NumCompletedTasks != partitions || st.Rows != 10*partitions || st.Bytes != 80*partitions || j.Rows != 10*partitions {
		t.Errorf("after %d tasks of 10 rows: %d completed, %d rows, %d bytes; job %d rows", partitions, st.NumCompletedTasks, st.Rows, st.Bytes, j.Rows)
	}
	if j.State != StateRunning || st.State != StageActive {
		t.Errorf("job %s, stage %s; want RUNNING and ACTIVE (no JobEnd, no StageEnd yet)", j.State, st.State)
	}
}
