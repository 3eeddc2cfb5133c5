// Package s3test runs a real S3-compatible server for tests: versitygw
// (Apache-2.0), which scripts/install-versitygw.sh builds into
// third_party/versitygw/versitygw. Start skips the test when the binary is
// missing, and fails it when CI=true, where it must be present.
package s3test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
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
func Binary() string {
	if b := os.Getenv("EMBER_VERSITYGW"); b != "" {
		return b
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "third_party", "versitygw", "versitygw")
}

var buckets atomic.Int64

// output collects what the server prints, for the failure message.
type output struct {
	mu  sync.Mutex
	buf []byte
}

func (o *output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.buf = append(o.buf, p...)
	return len(p), nil
}

func (o *output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return string(o.buf)
}

// Start runs versitygw on a free port over a temporary directory, waits
// until it answers, creates a bucket, and points the standard AWS
// environment at it (t.Setenv, so the test must not be parallel):
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and
// AWS_ENDPOINT_URL_S3. The server is killed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	if _, err := os.Stat(bin); err != nil {
		msg := fmt.Sprintf("versitygw not found at %s (run bash scripts/install-versitygw.sh)", bin)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	s := &Server{
		Endpoint: "http://" + addr,
		Bucket:   fmt.Sprintf("ember-test-%d", buckets.Add(1)),
		Access:   "ember-test-access",
		Secret:   "ember-test-secret-key",
		Dir:      t.TempDir(),
	}
	out := &output{}
	cmd := exec.Command(bin, "--access", s.Access, "--secret", s.Secret, "--port", addr, "--quiet", "posix", s.Dir)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting versitygw: %v", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})

	s.Client = s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(s.Endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.Access, s.Secret, ""),
	})
	// Poll until the server takes the bucket: it is up in well under the
	// deadline, and an early exit (a taken port) ends the wait at once.
	deadline := time.Now().Add(20 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.Client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(s.Bucket)})
		cancel()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("versitygw at %s did not take bucket %s: %v\n%s", addr, s.Bucket, err, out)
		}
		select {
		case err := <-exited:
			t.Fatalf("versitygw exited: %v\n%s", err, out)
		case <-tick.C:
		}
	}
	t.Setenv("AWS_ACCESS_KEY_ID", s.Access)
	t.Setenv("AWS_SECRET_ACCESS_KEY", s.Secret)
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "us-east-1")
	t.Setenv("AWS_ENDPOINT_URL_S3", s.Endpoint)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	return s
}
