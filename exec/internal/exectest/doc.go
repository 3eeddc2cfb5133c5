// Package exectest holds the fixtures that the tests of package exec and
// its sub-packages share: a checked allocator, a scripted source that can
// fail or run forever, a sink that collects rows, and a line-per-row file
// format with a reader of the directories it writes.
//
// It is imported by tests only. It must not import exec (exec's own tests
// import it), so helpers that run a job stay beside the tests.
package exectest
