package cloud

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"gocloud.dev/blob"
	_ "gocloud.dev/blob/azureblob" // azblob:// buckets through blob.OpenBucket
	_ "gocloud.dev/blob/gcsblob"   // gs:// buckets through blob.OpenBucket
	"gocloud.dev/blob/s3blob"
	"gocloud.dev/gcerrors"

	"github.com/ember-df/ember/storage"
)

func init() {
	s3store := newStore("s3", s3Config, openS3)
	s3store.abandon = abortS3Uploads
	storage.Register("s3", storage.NewObjectFS("s3", s3store))
	storage.Register("gs", storage.NewObjectFS("gs", newStore("gs", gsConfig, openURL)))
	storage.Register("azblob", storage.NewObjectFS("azblob", newStore("azblob", noConfig, openURL)))
}

// opener opens a bucket; config is what the cache keys it by besides its
// name (the environment the bucket was opened with).
type opener func(ctx context.Context, scheme, bucket string) (*blob.Bucket, error)

// store is a storage.ObjectStore over the gocloud buckets of one scheme,
// each opened once and cached.
type store struct {
	scheme string
	config func() string
	open   opener
	// abandon, when set, cleans up after an aborted writer: S3 keeps the
	// parts of a multipart upload whose abort was cancelled along with it.
	abandon func(ctx context.Context, b *blob.Bucket, bucket, key string) error

	mu      sync.Mutex
	buckets map[string]*blob.Bucket // by bucket name and config
}

func newStore(scheme string, config func() string, open opener) *store {
	return &store{scheme: scheme, config: config, open: open, buckets: map[string]*blob.Bucket{}}
}

func noConfig() string { return "" }

// gsConfig is what a GCS bucket depends on besides its name: the emulator
// the environment names, if any (gocloud reads it at every open). The
// Azure environment needs no key: gocloud reads it once per process.
func gsConfig() string { return os.Getenv("STORAGE_EMULATOR_HOST") }

// bucket returns the opened bucket named name. The lock is held while
// opening, so that concurrent first uses open it once.
func (s *store) bucket(ctx context.Context, name string) (*blob.Bucket, error) {
	key := name + "\x00" + s.config()
	s.mu.Lock()
	defer s.mu.Unlock()
	if b := s.buckets[key]; b != nil {
		return b, nil
	}
	b, err := s.open(ctx, s.scheme, name)
	if err != nil {
		return nil, fmt.Errorf("storage/cloud: opening %s://%s: %w", s.scheme, name, err)
	}
	s.buckets[key] = b
	return b, nil
}

// s3Endpoint is the S3-compatible server the environment names, if any.
func s3Endpoint() string {
	if e := os.Getenv("AWS_ENDPOINT_URL_S3"); e != "" {
		return e
	}
	return os.Getenv("AWS_ENDPOINT_URL")
}

// s3Config is what an S3 bucket depends on besides its name.
func s3Config() string {
	return s3Endpoint() + "\x00" + os.Getenv("AWS_ACCESS_KEY_ID") + "\x00" + os.Getenv("AWS_REGION")
}

// openS3 opens an S3 bucket with the AWS SDK's default configuration; an
// endpoint from the environment is addressed path-style, with checksums
// only where S3 requires them (what S3-compatible servers expect).
func openS3(ctx context.Context, _, bucket string) (*blob.Bucket, error) {
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return nil, err
	}
	endpoint := s3Endpoint()
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	client := s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
			o.UsePathStyle = true
			// S3-compatible servers often return no checksums, which
			// the SDK would log about on every ranged read.
			o.ResponseChecksumValidation = aws.ResponseChecksumValidationWhenRequired
		}
	})
	opts := &s3blob.Options{}
	if endpoint != "" {
		opts.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired
	}
	return s3blob.OpenBucket(ctx, client, bucket, opts)
}

// openURL opens a bucket with gocloud's URL opener of its scheme, which
// reads the cloud's standard environment.
func openURL(ctx context.Context, scheme, bucket string) (*blob.Bucket, error) {
	return blob.OpenBucket(ctx, scheme+"://"+bucket)
}

// path is the URL of a key, for errors.
func (s *store) path(bucket, key string) string { return s.scheme + "://" + bucket + "/" + key }

// wrap turns gocloud's errors into storage's: NotFound wraps
// fs.ErrNotExist; every error names the path.
func (s *store) wrap(op, bucket, key string, err error) error {
	if gcerrors.Code(err) == gcerrors.NotFound {
		return &fs.PathError{Op: op, Path: s.path(bucket, key), Err: fs.ErrNotExist}
	}
	return fmt.Errorf("storage/cloud: %s %s: %w", op, s.path(bucket, key), err)
}

// Attributes implements storage.ObjectStore.
func (s *store) Attributes(ctx context.Context, bucket, key string) (int64, time.Time, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return 0, time.Time{}, err
	}
	a, err := b.Attributes(ctx, key)
	if err != nil {
		return 0, time.Time{}, s.wrap("stat", bucket, key, err)
	}
	return a.Size, a.ModTime, nil
}

// List implements storage.ObjectStore: without a delimiter, gocloud lists
// every key below prefix, in key order.
func (s *store) List(ctx context.Context, bucket, prefix string, fn func(string, int64, time.Time) error) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	it := b.List(&blob.ListOptions{Prefix: prefix})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return s.wrap("list", bucket, prefix, err)
		}
		if obj.IsDir {
			continue
		}
		if err := fn(obj.Key, obj.Size, obj.ModTime); err != nil {
			return err
		}
	}
}

// NewRangeReader implements storage.ObjectStore. A range starting at or
// past the end of the object (which S3 refuses) reads nothing.
func (s *store) NewRangeReader(ctx context.Context, bucket, key string, off, n int64) (io.ReadCloser, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	r, err := b.NewRangeReader(ctx, key, off, n, nil)
	if err == nil {
		return r, nil
	}
	if off > 0 && gcerrors.Code(err) != gcerrors.NotFound {
		if a, aerr := b.Attributes(ctx, key); aerr == nil && off >= a.Size {
			return io.NopCloser(strings.NewReader("")), nil
		}
	}
	return nil, s.wrap("open", bucket, key, err)
}

// NewWriter implements storage.ObjectStore with a blob writer whose
// context Abort cancels: gocloud then discards the upload (aborting a
// multipart one), and nothing becomes visible.
func (s *store) NewWriter(ctx context.Context, bucket, key string) (storage.Writer, error) {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	w, err := b.NewWriter(ctx, key, &blob.WriterOptions{ContentType: "application/octet-stream"})
	if err != nil {
		cancel()
		return nil, s.wrap("create", bucket, key, err)
	}
	out := &writer{w: w, cancel: cancel, path: s.path(bucket, key)}
	if s.abandon != nil {
		out.abandon = func() error {
			// Clean up even when the caller's context is done (a
			// cancelled job), within a bound.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			return s.abandon(cctx, b, bucket, key)
		}
	}
	return out, nil
}

// PutIfAbsent implements storage.ExclusiveWriter with a conditional
// write (S3 and Azure: If-None-Match: *; GCS: ifGenerationMatch=0).
func (s *store) PutIfAbsent(ctx context.Context, bucket, key string, data []byte) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	err = b.WriteAll(ctx, key, data, &blob.WriterOptions{ContentType: "application/octet-stream", IfNotExist: true})
	if code := gcerrors.Code(err); code == gcerrors.FailedPrecondition || code == gcerrors.AlreadyExists {
		return &fs.PathError{Op: "create", Path: s.path(bucket, key), Err: fs.ErrExist}
	}
	if err != nil {
		return s.wrap("create", bucket, key, err)
	}
	return nil
}

// Delete implements storage.ObjectStore.
func (s *store) Delete(ctx context.Context, bucket, key string) error {
	b, err := s.bucket(ctx, bucket)
	if err != nil {
		return err
	}
	if err := b.Delete(ctx, key); err != nil {
		return s.wrap("remove", bucket, key, err)
	}
	return nil
}

// writer is a storage.Writer over a blob writer.
type writer struct {
	w       *blob.Writer
	cancel  context.CancelFunc
	abandon func() error // cleans up after a cancelled upload; may be nil
	path    string
	done    bool
}

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, fmt.Errorf("storage/cloud: write to %s after Close or Abort", w.path)
	}
	n, err := w.w.Write(p)
	if err != nil {
		return n, fmt.Errorf("storage/cloud: writing %s: %w", w.path, err)
	}
	return n, nil
}

// Close uploads what was written (the last part of a multipart upload)
// and makes the object visible; on failure nothing is.
func (w *writer) Close() error {
	if w.done {
		return fmt.Errorf("storage/cloud: %s: Close after Close or Abort", w.path)
	}
	w.done = true
	defer w.cancel()
	if err := w.w.Close(); err != nil {
		return fmt.Errorf("storage/cloud: writing %s: %w", w.path, err)
	}
	return nil
}

// Abort cancels the upload; Close then fails, as it must, and what went
// up is cleaned up.
func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.cancel()
	w.w.Close() // fails with the cancellation
	if w.abandon != nil {
		if err := w.abandon(); err != nil {
			return fmt.Errorf("storage/cloud: aborting %s: %w", w.path, err)
		}
	}
	return nil
}

// abortS3Uploads aborts the multipart uploads of key still pending: the
// SDK's transfer manager tries to, but with the context that was just
// cancelled. Objects are written under unique names (part files), so no
// other writer's upload of key is in flight.
func abortS3Uploads(ctx context.Context, b *blob.Bucket, bucket, key string) error {
	var client *s3.Client
	if !b.As(&client) {
		return nil
	}
	out, err := client.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket), Prefix: aws.String(key)})
	if err != nil {
		return err
	}
	for _, u := range out.Uploads {
		if aws.ToString(u.Key) != key {
			continue
		}
		if _, err := client.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{
			Bucket: aws.String(bucket), Key: u.Key, UploadId: u.UploadId,
		}); err != nil {
			return err
		}
	}
	return nil
}

var _ storage.ObjectStore = (*store)(nil)
