// Package gcstest runs a Google Cloud Storage emulator for tests:
// fake-gcs-server (BSD-2-Clause), a fake of the GCS JSON API — not
// Google's service — which scripts/install-fake-gcs.sh builds into
// third_party/fake-gcs-server/fake-gcs-server. Start skips the test when
// the binary is missing, and fails it when CI=true, where it must be
// present.
package gcstest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ember-df/ember/storage/cloud/internal/emulator"
)

// Server is a running fake-gcs-server with one bucket.
type Server struct {
	Host   string // 127.0.0.1:PORT, what STORAGE_EMULATOR_HOST names
	Bucket string
	Dir    string // where it keeps the objects (filesystem backend)
}

// URL returns gs://bucket/rel.
func (s *Server) URL(rel string) string {
	return "gs://" + s.Bucket + "/" + strings.TrimPrefix(rel, "/")
}

// Binary returns the fake-gcs-server binary: $EMBER_FAKE_GCS, or
// third_party/fake-gcs-server/fake-gcs-server in the repository.
func Binary() string {
	return emulator.Binary("EMBER_FAKE_GCS", "third_party/fake-gcs-server/fake-gcs-server")
}

var buckets atomic.Int64

// Start runs fake-gcs-server on a free port over a temporary directory,
// waits until it answers, creates a bucket, and points the standard
// STORAGE_EMULATOR_HOST at it (t.Setenv, so the test must not be
// parallel). The server is killed when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	emulator.Require(t, bin, "install-fake-gcs.sh")
	s, stop, err := Launch(bin, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	t.Setenv("STORAGE_EMULATOR_HOST", s.Host)
	t.Setenv("STORAGE_EMULATOR_HOST_GRPC", "")
	return s
}

// CreateBucket creates another bucket named name.
func (s *Server) CreateBucket(ctx context.Context, name string) error {
	body, _ := json.Marshal(map[string]string{"name": name})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+s.Host+"/storage/v1/b?project=ember-test", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("creating bucket %s: %s: %s", name, resp.Status, msg)
	}
	return nil
}

// Launch runs the fake-gcs-server binary bin on a free port, keeping
// objects in dir (made if missing), polls until it creates a new bucket
// (an early exit, such as a taken port, ends the wait at once), and
// returns it with the function that kills it.
func Launch(bin, dir string) (_ *Server, stop func(), _ error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	addr, err := emulator.FreeAddr()
	if err != nil {
		return nil, nil, err
	}
	s := &Server{
		Host:   addr.String(),
		Bucket: fmt.Sprintf("ember-test-%d", buckets.Add(1)),
		Dir:    dir,
	}
	cmd := exec.Command(bin,
		"-scheme", "http", "-host", "127.0.0.1", "-port", fmt.Sprint(addr.Port),
		"-backend", "filesystem", "-filesystem-root", dir,
		"-public-host", s.Host, "-external-url", "http://"+s.Host,
		"-log-level", "error")
	stop, err = emulator.Start(cmd, 20*time.Second, 20*time.Millisecond, func(ctx context.Context) error {
		return s.CreateBucket(ctx, s.Bucket)
	})
	if err != nil {
		return nil, nil, err
	}
	return s, stop, nil
}
