package plugins

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/udf"
)

func TestHandshakeFailuresAreRefused(t *testing.T) {
	script := filepath.Join(t.TempDir(), "not-a-plugin")
	if err := os.WriteFile(script, []byte("#!/bin/sh\necho 'hello, I am a shell script'\necho 'some diagnostics' >&2\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(script); err == nil || !strings.Contains(err.Error(), "failed the plugin handshake") || !strings.Contains(err.Error(), "hello, I am a shell script") {
		t.Errorf("a shell script: %v", err)
	}
	p := newTestPlugin(t, "protocol2")
	if _, err := p.tryOpen(); err == nil || !strings.Contains(err.Error(), "failed the plugin handshake") || !strings.Contains(err.Error(), "Plugin version: 2") {
		t.Errorf("a plugin of protocol 2: %v", err)
	}
	p.requireNoProcesses(t)
	if _, err := newTestPlugin(t, "nameless").tryOpen(); err == nil || !strings.Contains(err.Error(), "declares no name") {
		t.Errorf("a plugin without a name: %v", err)
	}
	if _, err := Open(filepath.Join(t.TempDir(), "missing")); err == nil || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("a missing binary: %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "is not an executable file") {
		t.Errorf("a directory: %v", err)
	}
}

func TestAPluginRunDirectlyRefusesToServe(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "-test.run=^$")
	cmd.Env = append(os.Environ(), "EMBER_TEST_PLUGIN=doubler")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "doubler 1.2.3 is an ember model plugin: an ember host runs it") {
		t.Fatalf("run without a host: %v\n%s", err, out)
	}
}

func TestChecksumPinning(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// A copy of the binary that the test can change.
	bin := filepath.Join(t.TempDir(), "plugin")
	copyFile(t, self, bin)
	sum := fileSHA256(t, bin)
	p := newTestPlugin(t, "doubler")
	open := func(opts ...Option) (*Model, error) {
		return Open(bin, append([]Option{Args("-test.run=^$"), Env(p.env...)}, opts...)...)
	}
	m, err := open(Checksum(sum))
	if err != nil {
		t.Fatal("the right checksum:", err)
	}
	wrong := strings.Repeat("ab", 32)
	if _, err := open(Checksum(wrong)); err == nil || !strings.Contains(err.Error(), "not the pinned "+wrong+"; refusing to run it") {
		t.Fatalf("a wrong checksum: %v", err)
	}
	if _, err := open(Checksum("xyz")); err == nil || !strings.Contains(err.Error(), "is not a hex SHA-256") {
		t.Fatalf("a malformed checksum: %v", err)
	}
	// The binary changes after Open: no process starts from it.
	f, err := os.OpenFile(bin, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte("tampered"))
	f.Close()
	before := len(p.pids(t))
	sess := checkedSession(t)
	_, err = numbers(t, sess, 10, 1, nil).WithColumn("y", udf.Predict(m, "x")).Collect(t.Context())
	if err == nil || !strings.Contains(err.Error(), "SHA-256 is not the pinned one; refusing to run it") {
		t.Fatalf("a tampered binary: %v", err)
	}
	if len(p.pids(t)) != before {
		t.Fatal("a process started from the tampered binary")
	}
	p.requireNoProcesses(t)
}

func TestAutoMTLS(t *testing.T) {
	m := newTestPlugin(t, "doubler").open(t, AutoMTLS())
	sess := checkedSession(t, frame.WithParallelism(2))
	requireDoubled(t, collect(t, numbers(t, sess, 3000, 2, nil).WithColumn("y", udf.Predict(m, "x"))), 3000)
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	src, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(to, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
}

func fileSHA256(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}
