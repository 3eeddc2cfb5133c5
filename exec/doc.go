// Package exec runs logical plans: it builds physical operators per
// partition, schedules partitions on a bounded pool of goroutines, moves
// rows across exchanges (repartition, aggregate, sort) and commits written
// output.
//
// Each partition is a pull pipeline: the driver calls Next on the root
// operator, which calls Next on its input, one batch at a time. In-flight
// data is therefore bounded by the number of partitions running at once
// (Config.Parallelism) times the batch bounds (rows and bytes), whatever
// the input size. Exchanges materialize their input under
// Config.MemoryBudget and fail with an error naming the budget when it is
// exceeded.
package exec
