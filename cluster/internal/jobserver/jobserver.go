// Package jobserver builds and runs what a Prism job server with PROCESS
// workers needs on this machine, for tests and benchmarks: the prism
// binary, Beam's Go boot loader (behind a wrapper that strips the quotes
// Prism puts around the worker id), and a worker binary.
package jobserver

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Packages are the main packages Build builds, by binary name.
var Packages = map[string]string{
	"prism":  "github.com/apache/beam/sdks/v2/go/cmd/prism",
	"boot":   "github.com/apache/beam/sdks/v2/go/container",
	"worker": "github.com/ember-df/ember/cluster/cmd/ember-beam-worker",
	"ember":  "github.com/ember-df/ember/cluster/cmd/ember",
}

// Build builds the binaries named (keys of Packages) into dir with the go
// command, from the cluster module in moduleDir. A cold build of the
// worker takes minutes (Beam has ~320 modules); later ones hit the cache.
func Build(ctx context.Context, moduleDir, dir string, names ...string) error {
	for _, name := range names {
		pkg, ok := Packages[name]
		if !ok {
			return fmt.Errorf("jobserver: no binary %q", name)
		}
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, name), pkg)
		cmd.Dir = moduleDir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("jobserver: go build %s: %v\n%s", pkg, err, out)
		}
	}
	return nil
}

// BootWrapper writes an executable script into dir that runs the boot
// loader boot, which Prism's PROCESS environment starts: Prism v2.77–2.78
// passes --id='ID' with literal quotes, which the boot loader rejects (the
// job then hangs in RUNNING), and the boot loader materializes the staged
// worker under --semi_persist_dir, here persistDir instead of /tmp. It
// returns the script's path.
func BootWrapper(dir, boot, persistDir string) (string, error) {
	script := fmt.Sprintf(`#!/bin/sh
# Strips the quotes Prism puts around the worker id, then runs the boot loader.
for a do
	shift
	case "$a" in
	--id=*) a="--id=$(printf '%%s' "${a#--id=}" | tr -d "'")" ;;
	esac
	set -- "$@" "$a"
done
exec %q --semi_persist_dir=%q "$@"
`, boot, persistDir)
	path := filepath.Join(dir, "boot-wrapper.sh")
	return path, os.WriteFile(path, []byte(script), 0o755)
}

// Server is a Prism job server running as a subprocess.
type Server struct {
	// Endpoint is host:port of its job service.
	Endpoint string
	cmd      *exec.Cmd
	done     chan struct{}
	stopOnce sync.Once
}

// Start runs the prism binary on a free port in directory dir (where the
// boot loaders it starts write pipeline_options.json), with env added to
// this process's environment (the workers it starts inherit it), and returns
// once it serves jobs — it reads the address from prism's log, so no port
// is guessed — or fails after timeout. Prism and every process it starts
// share a new process group, which Stop kills.
func Start(prism, dir string, env []string, timeout time.Duration) (*Server, error) {
	cmd := exec.Command(prism, "--job_port=0", "--serve_http=false", "--log_kind=json")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &Server{cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			var rec struct {
				Msg      string `json:"msg"`
				Endpoint string `json:"endpoint"`
			}
			if json.Unmarshal(sc.Bytes(), &rec) == nil && rec.Msg == "Serving JobManagement" && rec.Endpoint != "" {
				select {
				case ready <- rec.Endpoint:
				default:
				}
			}
			if os.Getenv("EMBER_PRISM_LOG") != "" {
				fmt.Fprintln(os.Stderr, "prism:", sc.Text())
			}
		}
		_, _ = io.Copy(io.Discard, out)
		_ = cmd.Wait()
	}()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case ep := <-ready:
		s.Endpoint = strings.Replace(ep, "localhost", "127.0.0.1", 1)
		return s, nil
	case <-s.done:
		return nil, errors.New("jobserver: prism exited before serving")
	case <-timer.C:
		s.Stop()
		return nil, fmt.Errorf("jobserver: prism did not serve within %s", timeout)
	}
}

// Stop kills prism and every process it started (its process group:
// boot loaders, workers) and waits for prism to end. It is idempotent.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.done
	})
}
