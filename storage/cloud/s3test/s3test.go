// Package s3test runs a real S3-compatible server for tests: versitygw
// (Apache-2.0), which scripts/install-versitygw.sh builds into
// third_party/versitygw/versitygw. Start skips the test when the binary is
// missing, and fails it when CI=true, where it must be present.
package s3test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/ember-df/ember/storage/cloud/internal/emulator"
)

// Server is a running versitygw with one bucket.
type Server struct {
	Endpoint string // http://127.0.0.1:PORT
	Bucket   string
	Access   string
	Secret   string
	Dir      string // where it keeps the objects (posix backend)
	Client   *s3.Client
}

// URL returns s3://bucket/rel.
func (s *Server) URL(rel string) string {
	return "s3://" + s.Bucket + "/" + strings.TrimPrefix(rel, "/")
}

// Binary returns the versitygw binary: $EMBER_VERSITYGW, or
// third_party/versitygw/versitygw in the repository.
func Binary() string { return emulator.Binary("EMBER_VERSITYGW", "third_party/versitygw/versitygw") }

var buckets atomic.Int64

// Start runs versitygw on a free port over a temporary directory, waits
// until it answers, creates a bucket, and points the standard AWS
// environment at it (t.Setenv, so the test must not be parallel): see
// Env. The server is killed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	emulator.Require(t, bin, "install-versitygw.sh")
	s, stop, err := Launch(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	for _, kv := range s.Env() {
		t.Setenv(kv[0], kv[1])
	}
	return s
}

// Env is the standard AWS environment that points at s: the access key
// and secret, an empty session token, region us-east-1,
// AWS_ENDPOINT_URL_S3, and no EC2 metadata lookups.
func (s *Server) Env() [][2]string {
	return [][2]string{
		{"AWS_ACCESS_KEY_ID", s.Access},
		{"AWS_SECRET_ACCESS_KEY", s.Secret},
		{"AWS_SESSION_TOKEN", ""},
		{"AWS_REGION", "us-east-1"},
		{"AWS_ENDPOINT_URL_S3", s.Endpoint},
		{"AWS_EC2_METADATA_DISABLED", "true"},
	}
}

// Launch runs the versitygw binary bin on a free port, keeping objects in
// dir (made if missing), polls until it takes a new bucket (an early exit, such as a taken
// port, ends the wait at once), and returns it with the function that
// kills it.
func Launch(bin, dir string) (_ *Server, stop func(), _ error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	addr, err := emulator.FreeAddr()
	if err != nil {
		return nil, nil, err
	}
	s := &Server{
		Endpoint: "http://" + addr.String(),
		Bucket:   fmt.Sprintf("ember-test-%d", buckets.Add(1)),
		Access:   "ember-test-access",
		Secret:   "ember-test-secret-key",
		Dir:      dir,
	}
	s.Client = s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.Access, s.Secret, ""),
	})
	cmd := exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--port", addr.String(), "--quiet", "posix", s.Dir)
	stop, err = emulator.Start(cmd, 20*time.Second, 20*time.Millisecond, func(ctx context.Context) error {
		_, err := s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)})
		// A poll whose answer came too late may have created the bucket:
		// the next one then finds it ours, which is ready too.
		var owned *types.BucketAlreadyOwnedByYou
		if errors.As(err, &owned) {
			return nil
		}
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return s, stop, nil
}
