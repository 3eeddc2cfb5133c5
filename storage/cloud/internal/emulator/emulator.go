// Package emulator is what the storage test servers (s3test, gcstest,
// azuritetest) share: finding a server installed under third_party/,
// skipping or failing a test without it, and running it on a free port
// until it answers.
package emulator

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Binary returns the program named by the environment variable env, or
// rel (slash-separated) below the repository root.
func Binary(env, rel string) string {
	if b := os.Getenv(env); b != "" {
		return b
	}
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..", filepath.FromSlash(rel))
}

// Require skips the test when bin is missing, and fails it when CI=true,
// where the setup (the script install) must have installed it.
func Require(t testing.TB, bin, install string) {
	t.Helper()
	if _, err := os.Stat(bin); err == nil {
		return
	}
	msg := fmt.Sprintf("%s not found at %s (run bash scripts/%s)", filepath.Base(bin), bin, install)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// FreeAddr returns a loopback address whose port is free now.
func FreeAddr() (*net.TCPAddr, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr), nil
}

// Start runs cmd, collecting what it prints, and calls ready every poll
// until it succeeds (the server answers and made what the test needs).
// An early exit of the process, such as for a taken port, ends the wait
// at once; so does timeout. It returns the function that kills the
// process, which the caller runs when done.
func Start(cmd *exec.Cmd, timeout, poll time.Duration, ready func(context.Context) error) (stop func(), err error) {
	name := filepath.Base(cmd.Path)
	out := &output{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stop = func() {
		cmd.Process.Kill()
		<-exited
	}
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		err := ready(ctx)
		cancel()
		if err == nil {
			return stop, nil
		}
		if time.Now().After(deadline) {
			stop()
			return nil, fmt.Errorf("%s did not become ready: %w\n%s", name, err, out)
		}
		select {
		case err := <-exited:
			return nil, fmt.Errorf("%s exited: %v\n%s", name, err, out)
		case <-tick.C:
		}
	}
}

// output collects what a server prints, for the failure message.
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
