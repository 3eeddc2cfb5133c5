// Package azuritetest runs Azurite (MIT), Microsoft's Azure Storage
// emulator, for tests: scripts/install-azurite.sh installs it with npm
// into third_party/azurite from the package.json and package-lock.json
// next to this file. Start skips the test when it is missing, and fails
// it when CI=true, where it must be present.
//
// gocloud's azblob:// URL opener reads the Azure environment once per
// process, at the first azblob:// bucket it opens: a test process can
// therefore talk to one Azurite only, and Start refuses a second one.
// Put every test that needs Azurite under one test function.
package azuritetest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob"
	"github.com/ember-df/ember/storage/cloud/internal/emulator"
)

// Azurite's well-known development account and key (published by
// Microsoft; they work against the emulator only).
const (
	Account = "devstoreaccount1"
	Key     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// Server is a running Azurite blob service with one container.
type Server struct {
	Host      string // 127.0.0.1:PORT, what AZURE_STORAGE_DOMAIN names
	Endpoint  string // http://127.0.0.1:PORT/devstoreaccount1, the service URL
	Container string
	Dir       string // where it keeps its data
	Client    *azblob.Client
}

// URL returns azblob://container/rel.
func (s *Server) URL(rel string) string {
	return "azblob://" + s.Container + "/" + strings.TrimPrefix(rel, "/")
}

// Binary returns Azurite's blob service launcher: $EMBER_AZURITE_BLOB, or
// third_party/azurite/node_modules/.bin/azurite-blob in the repository.
func Binary() string {
	return emulator.Binary("EMBER_AZURITE_BLOB", "third_party/azurite/node_modules/.bin/azurite-blob")
}

var (
	containers atomic.Int64
	started    atomic.Bool
)

// Start runs Azurite's blob service on a free port over a temporary
// directory, waits until it answers, creates a container, and points the
// standard Azure environment at it (t.Setenv, so the test must not be
// parallel): see Env. The server is killed when the test ends. A process
// can start one (see the package comment).
func Start(t testing.TB) *Server {
	t.Helper()
	bin := Binary()
	emulator.Require(t, bin, "install-azurite.sh")
	if !started.CompareAndSwap(false, true) {
		t.Fatal("azuritetest: a second Azurite in one process: gocloud's azblob:// opener keeps the Azure environment of the first")
	}
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

// Env is the standard Azure environment that points gocloud's azblob://
// opener at s: the development account and key, the emulator's address
// as the storage domain over http, and no SAS token or connection string.
func (s *Server) Env() [][2]string {
	return [][2]string{
		{"AZURE_STORAGE_ACCOUNT", Account},
		{"AZURE_STORAGE_KEY", Key},
		{"AZURE_STORAGE_DOMAIN", s.Host},
		{"AZURE_STORAGE_PROTOCOL", "http"},
		{"AZURE_STORAGE_IS_LOCAL_EMULATOR", "true"},
		{"AZURE_STORAGE_SAS_TOKEN", ""},
		{"AZURE_STORAGE_CONNECTION_STRING", ""},
		{"AZURE_STORAGEBLOB_CONNECTIONSTRING", ""},
	}
}

// CreateContainer creates another container named name.
func (s *Server) CreateContainer(ctx context.Context, name string) error {
	_, err := s.Client.CreateContainer(ctx, name, nil)
	return err
}

// Launch runs Azurite's blob service bin on a free port, keeping its data
// in dir (made if missing), polls until it creates a new container (an
// early exit, such as a taken port, ends the wait at once), and returns it
// with the function that kills it.
func Launch(bin, dir string) (_ *Server, stop func(), _ error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	addr, err := emulator.FreeAddr()
	if err != nil {
		return nil, nil, err
	}
	s := &Server{
		Host:      addr.String(),
		Endpoint:  "http://" + addr.String() + "/" + Account,
		Container: fmt.Sprintf("ember-test-%d", containers.Add(1)),
		Dir:       dir,
	}
	cred, err := azblob.NewSharedKeyCredential(Account, Key)
	if err != nil {
		return nil, nil, err
	}
	// One try per poll: emulator.Start retries.
	opts := &azblob.ClientOptions{}
	opts.Retry = policy.RetryOptions{MaxRetries: -1}
	if s.Client, err = azblob.NewClientWithSharedKeyCredential(s.Endpoint, cred, opts); err != nil {
		return nil, nil, err
	}
	// --skipApiVersionCheck: the Go SDK may speak a newer API version
	// than this Azurite knows; --disableTelemetry: no calls home.
	cmd := exec.Command(bin,
		"--blobHost", "127.0.0.1", "--blobPort", fmt.Sprint(addr.Port),
		"--location", dir, "--silent", "--skipApiVersionCheck", "--disableTelemetry")
	stop, err = emulator.Start(cmd, 30*time.Second, 50*time.Millisecond, func(ctx context.Context) error {
		return s.CreateContainer(ctx, s.Container)
	})
	if err != nil {
		return nil, nil, err
	}
	return s, stop, nil
}
