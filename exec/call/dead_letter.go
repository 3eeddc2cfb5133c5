package call

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/compute"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/internal/jsonrows"
	"github.com/ember-df/ember/plan"
	"github.com/ember-df/ember/storage"
)

// deadLetters writes one partition's failed rows as JSON lines: every
// input column, written as io/jsonio writes it (package jsonrows) with
// NULLs as null, plus "_error" (the cause), "_function" and "_partition".
// The directory may be on any store (storage.Create): the file appears
// under its name only when the partition ends without error, so a reader
// never sees half a file; a failed partition's file never appears.
type deadLetters struct {
	dir, function, column string
	partition             int
	path                  string
	out                   storage.Writer
	buf                   *bufio.Writer
	line                  []byte
}

func newDeadLetters(dir, function, column string, partition int) *deadLetters {
	name := fmt.Sprintf("%s-%d-%d-part-%05d.jsonl", column, time.Now().UnixNano(), os.Getpid(), partition)
	return &deadLetters{dir: dir, function: function, column: column, partition: partition, path: storage.Join(dir, name)}
}

// write records rows bad of b with their errors.
func (d *deadLetters) write(b arrow.RecordBatch, bad []int, errs []error) error {
	if d.out == nil {
		out, err := storage.Create(context.Background(), d.path)
		if err != nil {
			return fmt.Errorf("exec: dead-letter file: %w", err)
		}
		d.out, d.buf = out, bufio.NewWriter(out)
	}
	// An input column named as one of the fields added is left out: the
	// added field wins.
	var fields []arrow.Field
	var cols []arrow.Array
	for i, f := range b.Schema().Fields() {
		switch f.Name {
		case "_error", "_function", "_partition":
		default:
			fields, cols = append(fields, f), append(cols, b.Column(i))
		}
	}
	enc := jsonrows.NewEncoder(fields, jsonrows.Options{Float: plan.AppendFloat})
	enc.Reset(cols)
	for k, r := range bad {
		line, wrote := enc.AppendFields(append(d.line[:0], '{'), r)
		if wrote {
			line = append(line, ',')
		}
		line = jsonrows.AppendString(append(line, `"_error":`...), errs[k].Error())
		line = jsonrows.AppendString(append(line, `,"_function":`...), d.function)
		line = strconv.AppendInt(append(line, `,"_partition":`...), int64(d.partition), 10)
		d.line = append(line, '}', '\n')
		if _, err := d.buf.Write(d.line); err != nil {
			return fmt.Errorf("exec: writing dead letters to %s: %w", d.path, err)
		}
	}
	return nil
}

// commit makes the file visible. It is a no-op without failed rows.
func (d *deadLetters) commit() error {
	if d == nil || d.out == nil {
		return nil
	}
	out := d.out
	d.out = nil
	err := d.buf.Flush()
	if err != nil {
		out.Abort()
	} else {
		err = out.Close()
	}
	if err != nil {
		return fmt.Errorf("exec: dead-letter file %s: %w", d.path, err)
	}
	return nil
}

// abandon discards an uncommitted file.
func (d *deadLetters) abandon() {
	if d == nil || d.out == nil {
		return
	}
	d.out.Abort()
	d.out = nil
}

// errorColumn is a string column of n rows holding errs at rows bad and
// NULL elsewhere.
func errorColumn(mem memory.Allocator, n int, bad []int, errs []error) arrow.Array {
	return mergeErrors(mem, n, nil, bad, errs)
}

// mergeErrors is an error column holding, per row, the earlier error
// (when earlier is not nil and has one) or the row's error among bad.
func mergeErrors(mem memory.Allocator, n int, earlier *array.String, bad []int, errs []error) arrow.Array {
	b := array.NewStringBuilder(mem)
	defer b.Release()
	b.Reserve(n)
	next := 0
	for r := range n {
		own := next < len(bad) && bad[next] == r
		switch {
		case earlier != nil && earlier.IsValid(r):
			b.Append(earlier.Value(r))
		case own:
			b.Append(errs[next].Error())
		default:
			b.AppendNull()
		}
		if own {
			next++
		}
	}
	return b.NewArray()
}

// dropRows returns b without the rows bad (ascending).
func dropRows(ctx context.Context, b arrow.RecordBatch, bad []int) (arrow.RecordBatch, error) {
	mem := compute.GetAllocator(ctx)
	keep := array.NewBooleanBuilder(mem)
	defer keep.Release()
	next := 0
	for r := range int(b.NumRows()) {
		drop := next < len(bad) && bad[next] == r
		if drop {
			next++
		}
		keep.Append(!drop)
	}
	mask := keep.NewArray()
	defer mask.Release()
	return compute.FilterRecordBatch(compute.WithAllocator(ctx, mem), b, mask, compute.DefaultFilterOptions())
}
