package cloud_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/ember-df/ember/storage"
	_ "github.com/ember-df/ember/storage/cloud"
	"github.com/ember-df/ember/storage/cloud/s3test"
	"github.com/ember-df/ember/storage/storagetest"
)

func TestS3Conformance(t *testing.T) {
	srv := s3test.Start(t)
	storagetest.Run(t, srv.URL("some/prefix"))
}

func TestS3BucketRoot(t *testing.T) {
	srv := s3test.Start(t)
	storagetest.Run(t, "s3://"+srv.Bucket)
}

// TestMultipart writes objects above gocloud's 16 MiB single-request
// limit, which go up in parts; an aborted one leaves neither an object
// nor a pending upload.
func TestMultipart(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	data := make([]byte, 20<<20+12345)
	for i := range data {
		data[i] = byte(i*31 ^ i>>11)
	}
	path := srv.URL("big/object.bin")
	w, err := storage.Create(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for rest := data; len(rest) > 0; {
		n := min(len(rest), 3<<20+17)
		if _, err := w.Write(rest[:n]); err != nil {
			t.Fatal(err)
		}
		rest = rest[n:]
	}
	if _, err := storage.Stat(ctx, path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an unfinished upload is visible: %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := storage.ReadFile(ctx, path); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	f, err := storage.OpenFile(ctx, path, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p := make([]byte, 1000)
	for _, off := range []int64{0, 16<<20 - 500, int64(len(data)) - 1000} {
		if _, err := f.ReadAt(p, off); err != nil || !bytes.Equal(p, data[off:off+1000]) {
			t.Errorf("ReadAt(%d): %v", off, err)
		}
	}

	aborted := srv.URL("big/aborted.bin")
	w, err = storage.Create(ctx, aborted)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	w.Write(data) // more than a part has gone up
	if err := w.Abort(); err != nil {
		t.Fatal(err)
	}
	if _, err := storage.Stat(ctx, aborted); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an aborted upload is visible: %v", err)
	}
	uploads, err := srv.Client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(srv.Bucket)})
	if err != nil {
		t.Fatal(err)
	}
	if len(uploads.Uploads) != 0 {
		t.Errorf("%d multipart uploads left pending after Abort", len(uploads.Uploads))
	}

	// A write whose context is cancelled fails at Close, leaving nothing.
	cctx, cancel := context.WithCancel(ctx)
	w, err = storage.Create(cctx, srv.URL("big/cancelled.bin"))
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data[:1000])
	cancel()
	if err := w.Close(); err == nil {
		t.Error("Close after cancel succeeded")
	}
	if _, err := storage.Stat(ctx, srv.URL("big/cancelled.bin")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a cancelled upload is visible: %v", err)
	}
}

// TestBucketsFollowTheEnvironment opens the same bucket name on two
// servers in turn: the cached bucket is keyed by the endpoint too.
func TestBucketsFollowTheEnvironment(t *testing.T) {
	ctx := context.Background()
	for i := range 2 {
		srv := s3test.Start(t)
		path := srv.URL(fmt.Sprintf("x-%d", i))
		if err := storage.WriteFile(ctx, path, []byte("1")); err != nil {
			t.Fatal(err)
		}
		if entries, err := storage.List(ctx, "s3://"+srv.Bucket); err != nil || len(entries) != 1 || entries[0].Path != path {
			t.Errorf("server %d lists %v, %v", i, entries, err)
		}
	}
}

func TestMissingBucket(t *testing.T) {
	srv := s3test.Start(t)
	_, err := storage.Stat(context.Background(), "s3://no-such-bucket-"+srv.Bucket+"/x.csv")
	if err == nil || !strings.Contains(err.Error(), "no-such-bucket") {
		t.Errorf("Stat in a missing bucket: %v", err)
	}
}
