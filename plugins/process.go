package plugins

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ember-df/ember/plugins/internal/wire"
	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
)

// worker is one plugin process serving the model (in tests, maybe a
// server in this process).
type worker struct {
	client *wire.Client
	pid    int
	// stop ends the worker and waits until it has exited: gracefully
	// (the plugin closes its model) unless hard, which kills it at once.
	stop func(hard bool)
	// exitState says how the process ended ("" while it runs).
	exitState func() string
}

// startProcess starts a plugin process, completes the handshake and,
// when threads > 0, has it load the model.
func (m *Model) startProcess(ctx context.Context, threads int) (*worker, error) {
	cmd := exec.Command(m.cfg.Path, m.cfg.Args...)
	// The host's environment, then the user's variables, which win.
	cmd.Env = append(os.Environ(), m.cfg.Env...)
	dieWithHost(cmd)
	name := m.info.Name
	if name == "" {
		name = filepath.Base(m.cfg.Path)
	}
	log := m.logger.With("plugin", name)
	stderr := newLineLogger(log, "stderr")
	// After the handshake, the plugin's stderr comes over the connection.
	syncStderr := newLineLogger(log, "stderr")
	cfg := &plugin.ClientConfig{
		HandshakeConfig:  wire.Handshake,
		Plugins:          plugin.PluginSet{wire.PluginName: &wire.Plugin{}},
		Cmd:              cmd,
		SkipHostEnv:      true,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		StartTimeout:     m.cfg.StartTimeout,
		AutoMTLS:         m.cfg.AutoMTLS,
		// Plugin output is logged by lineLoggers: go-plugin's own
		// logger stays silent.
		Logger:     hclog.New(&hclog.LoggerOptions{Level: hclog.Off, Output: io.Discard}),
		Stderr:     stderr,
		SyncStderr: syncStderr,
		SyncStdout: newLineLogger(log, "stdout"),
	}
	if pinned := m.pinned(); pinned != nil {
		cfg.SecureConfig = &plugin.SecureConfig{Checksum: pinned, Hash: sha256.New()}
	}
	client := plugin.NewClient(cfg)
	w := &worker{stop: func(hard bool) {
		if hard && cmd.Process != nil {
			cmd.Process.Kill()
		}
		client.Kill()
	}}
	w.exitState = func() string {
		if !client.Exited() {
			return ""
		}
		state := "exited"
		// Exited is set under go-plugin's lock after Wait returned.
		if cmd.ProcessState != nil {
			state = cmd.ProcessState.String()
		}
		return state
	}
	rpc, err := client.Client()
	if err != nil {
		client.Kill()
		return nil, m.startError(err, stderr.tail())
	}
	raw, err := rpc.Dispense(wire.PluginName)
	if err != nil {
		client.Kill()
		return nil, fmt.Errorf("plugins: %s: %w", m.cfg.Path, err)
	}
	w.client = raw.(*wire.Client)
	if cmd.Process != nil {
		w.pid = cmd.Process.Pid
	}
	if threads > 0 {
		lctx, cancel := context.WithTimeout(ctx, m.cfg.LoadTimeout)
		err := w.client.Load(lctx, threads)
		timedOut := callTimedOut(ctx, lctx, err)
		cancel()
		if err != nil {
			// A process that died by itself (not a model error it
			// returned) is reported with its exit status: wait briefly
			// for go-plugin to see the exit.
			state := ""
			if !wire.IsModelError(err) && !timedOut {
				state = w.waitExit(time.Second)
			}
			w.stop(true)
			switch {
			case ctx.Err() != nil:
				return nil, context.Cause(ctx)
			case timedOut:
				return nil, fmt.Errorf("%s, pid %d: Load did not return within %s (plugins.LoadTimeout); killed it", m, w.pid, m.cfg.LoadTimeout)
			case state != "":
				msg := fmt.Sprintf("%s, pid %d, exited while loading its model (%s)", m, w.pid, state)
				if tail := append(stderr.tail(), syncStderr.tail()...); len(tail) > 0 {
					msg += "; its stderr ended with: " + strings.Join(tail, " | ")
				}
				return nil, errors.New(msg)
			}
			return nil, fmt.Errorf("%s: %s", m, statusMessage(err))
		}
	}
	return w, nil
}

// waitExit returns the process's exit state once it has exited, waiting
// at most d for it; "" if it is still running.
func (w *worker) waitExit(d time.Duration) string {
	deadline := time.Now().Add(d)
	for {
		if state := w.exitState(); state != "" || time.Now().After(deadline) {
			return state
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// startError explains why a plugin did not start, with the last lines it
// wrote to stderr.
func (m *Model) startError(err error, tail []string) error {
	msg := err.Error()
	lower := strings.ToLower(msg)
	switch {
	case errors.Is(err, plugin.ErrChecksumsDoNotMatch):
		msg = "its SHA-256 is not the pinned one; refusing to run it"
	case strings.Contains(lower, "unrecognized remote plugin message"),
		strings.Contains(lower, "exited before we could connect"),
		strings.Contains(lower, "incompatible api version"),
		strings.Contains(lower, "unsupported plugin protocol"),
		strings.Contains(lower, "incompatible core api version"):
		msg = fmt.Sprintf("failed the plugin handshake (an ember model plugin built with plugins/sdk, protocol version %d, was expected): %s", wire.ProtocolVersion, strings.TrimSpace(msg))
	}
	if len(tail) > 0 {
		msg += "; its stderr ended with: " + strings.Join(tail, " | ")
	}
	return fmt.Errorf("plugins: %s %s", m.cfg.Path, msg)
}
