package frame_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/internal/shared"
	"github.com/ember-df/ember/storage"
)

// TestNewUserStorageSurprises replays what a new user met before the
// storage layer: a gzip'd CSV read as gzip bytes, a write to s3:// that
// made a local directory named "s3:", and a read of s3:// that failed
// with "stat s3://…: no such file or directory". Without the cloud import
// (this package does not link it), s3:// is a clear error naming the
// scheme and the import that adds it.
func TestNewUserStorageSurprises(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.NewGoAllocator())
	defer mem.AssertSize(t, 0)
	sess := frame.NewSession(frame.WithAllocator(mem))
	defer sess.Close()
	ctx := context.Background()

	digits := sess.Read().Option("inferSchema", "true").CSV(shared.Path(t, "data/digits.csv.gz")) // no header line
	if n, err := digits.Count(ctx); err != nil || n != 1797 {
		t.Fatalf("digits.csv.gz: %d rows, %v; want the 1797 rows inside the gzip", n, err)
	}
	if !strings.Contains(digits.Explain(), "gzip: not split") {
		t.Errorf("Explain does not say the gzip file is one split:\n%s", digits.Explain())
	}

	dir := t.TempDir()
	t.Chdir(dir)
	err := digits.Write().Mode(frame.Overwrite).CSV(ctx, "s3://bucket/out")
	if !errors.Is(err, storage.ErrUnsupportedScheme) || !strings.Contains(err.Error(), `"s3"`) || !strings.Contains(err.Error(), "storage/cloud") {
		t.Fatalf("write to s3:// without the cloud import: %v", err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Fatalf("the failed write left %v in the working directory", entries)
	}

	_, err = sess.Read().CSV("s3://bucket/x.csv").Count(ctx)
	if !errors.Is(err, storage.ErrUnsupportedScheme) || strings.Contains(err.Error(), "no such file") {
		t.Fatalf("read of s3:// without the cloud import: %v", err)
	}
	_, err = sess.Read().CSV("ftp://host/x.csv").Count(ctx)
	if err == nil || !strings.Contains(err.Error(), `"ftp"`) || !strings.Contains(err.Error(), "supported") {
		t.Fatalf("read of ftp://: %v", err)
	}
}
