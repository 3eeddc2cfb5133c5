package plugins

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ember-df/ember/plugins/internal/wire"
	"github.com/ember-df/ember/udf"
)

// DefaultBatchTimeout bounds one batch's round trip to a plugin unless
// BatchTimeout says otherwise; a plugin that takes longer is deemed hung.
const DefaultBatchTimeout = 5 * time.Minute

// DefaultStartTimeout bounds a plugin's start, up to its handshake.
const DefaultStartTimeout = time.Minute

// DefaultLoadTimeout bounds a plugin process's Load (its model load)
// unless LoadTimeout says otherwise: a plugin that takes longer is killed.
const DefaultLoadTimeout = 10 * time.Minute

// Model is a model served by a plugin binary: a udf.Model whose loaded
// form is a pool of plugin processes. Open makes one.
type Model struct {
	cfg    config
	info   wire.Info
	logger *slog.Logger
	// start starts one worker; tests replace it to serve in-process.
	start func(ctx context.Context, threads int) (*worker, error)
}

var _ udf.Model = (*Model)(nil)

// config is what Open was told: a plan carries it (Model.Config).
type config struct {
	Path         string        `json:"path"`
	Args         []string      `json:"args,omitempty"`
	Env          []string      `json:"env,omitempty"`
	SHA256       string        `json:"sha256,omitempty"`
	Processes    int           `json:"processes,omitempty"`
	BatchTimeout time.Duration `json:"batch_timeout,omitempty"`
	StartTimeout time.Duration `json:"start_timeout,omitempty"`
	LoadTimeout  time.Duration `json:"load_timeout,omitempty"`
	AutoMTLS     bool          `json:"auto_mtls,omitempty"`
}

// Option configures Open.
type Option func(*Model) error

// Args passes arguments to the plugin binary.
func Args(args ...string) Option {
	return func(m *Model) error {
		m.cfg.Args = append(m.cfg.Args, args...)
		return nil
	}
}

// Env adds "KEY=value" variables to the plugin's environment, which is
// otherwise the host's.
func Env(vars ...string) Option {
	return func(m *Model) error {
		for _, v := range vars {
			if !strings.Contains(v, "=") {
				return fmt.Errorf("plugins: environment variable %q is not KEY=value", v)
			}
		}
		m.cfg.Env = append(m.cfg.Env, vars...)
		return nil
	}
}

// Checksum pins the binary's SHA-256 (hex): Open refuses a binary with
// another, and so does every start of a plugin process, so a binary
// swapped after Open never runs.
func Checksum(sha256Hex string) Option {
	return func(m *Model) error {
		if sum, err := hex.DecodeString(sha256Hex); err != nil || len(sum) != sha256.Size {
			return fmt.Errorf("plugins: checksum %q is not a hex SHA-256", sha256Hex)
		}
		m.cfg.SHA256 = strings.ToLower(sha256Hex)
		return nil
	}
}

// Processes sets the size of a job's process pool (default: one per
// partition that runs at once).
func Processes(n int) Option {
	return func(m *Model) error {
		if n < 1 {
			return fmt.Errorf("plugins: %d processes; want at least 1", n)
		}
		m.cfg.Processes = n
		return nil
	}
}

// BatchTimeout bounds one batch's round trip (default
// DefaultBatchTimeout): a plugin that takes longer is killed and the
// batch retried.
func BatchTimeout(d time.Duration) Option {
	return func(m *Model) error {
		m.cfg.BatchTimeout = d
		return nil
	}
}

// StartTimeout bounds a plugin's start (default DefaultStartTimeout).
func StartTimeout(d time.Duration) Option {
	return func(m *Model) error {
		m.cfg.StartTimeout = d
		return nil
	}
}

// LoadTimeout bounds each plugin process's Load, where it loads its model
// (default DefaultLoadTimeout): a process whose Load has not returned by
// then is killed, and the job fails with an error naming the plugin —
// instead of waiting until the caller's own deadline, if any.
func LoadTimeout(d time.Duration) Option {
	return func(m *Model) error {
		m.cfg.LoadTimeout = d
		return nil
	}
}

// AutoMTLS secures the connection to each plugin process with mutual TLS
// under one-time certificates, so that no other process, even one that
// can reach the socket, can talk to either side.
func AutoMTLS() Option {
	return func(m *Model) error {
		m.cfg.AutoMTLS = true
		return nil
	}
}

// Logger sets the logger that plugin output goes to (default
// slog.Default()).
func Logger(l *slog.Logger) Option {
	return func(m *Model) error {
		m.logger = l
		return nil
	}
}

// Open returns the model served by the plugin binary at path. It checks
// the binary (and its pinned checksum), starts it once to read its Info
// (name, version, input and output schemas, preferred batch size), and
// stops it before returning; jobs start processes of their own.
func Open(path string, opts ...Option) (*Model, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("plugins: %w", err)
	}
	m := &Model{cfg: config{Path: abs}, logger: slog.Default()}
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	return m, m.open()
}

func (m *Model) open() error {
	if m.cfg.BatchTimeout <= 0 {
		m.cfg.BatchTimeout = DefaultBatchTimeout
	}
	if m.cfg.StartTimeout <= 0 {
		m.cfg.StartTimeout = DefaultStartTimeout
	}
	if m.cfg.LoadTimeout <= 0 {
		m.cfg.LoadTimeout = DefaultLoadTimeout
	}
	if m.cfg.SHA256 != "" { // a decoded plan's pin is checked as Checksum's
		if err := Checksum(m.cfg.SHA256)(m); err != nil {
			return err
		}
	}
	if err := m.checkBinary(); err != nil {
		return err
	}
	if m.start == nil {
		m.start = m.startProcess
	}
	ctx, cancel := context.WithTimeout(context.Background(), m.cfg.StartTimeout)
	defer cancel()
	w, err := m.start(ctx, 0)
	if err != nil {
		return err
	}
	defer w.stop(false)
	info, err := w.client.Describe(ctx)
	if err == nil {
		err = info.Validate()
	}
	if err != nil {
		return fmt.Errorf("plugins: %s: reading what the plugin serves: %w", m.cfg.Path, err)
	}
	m.info = info
	return nil
}

// checkBinary refuses a path that is not an executable file, or whose
// SHA-256 is not the one pinned.
func (m *Model) checkBinary() error {
	st, err := os.Stat(m.cfg.Path)
	if err != nil {
		return fmt.Errorf("plugins: %w", err)
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("plugins: %s is not an executable file", m.cfg.Path)
	}
	pinned := m.pinned()
	if pinned == nil {
		return nil
	}
	f, err := os.Open(m.cfg.Path)
	if err != nil {
		return fmt.Errorf("plugins: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return fmt.Errorf("plugins: %w", err)
	}
	if got := h.Sum(nil); !slices.Equal(got, pinned) {
		return fmt.Errorf("plugins: %s has SHA-256 %x, not the pinned %x; refusing to run it", m.cfg.Path, got, pinned)
	}
	return nil
}

// pinned is the SHA-256 the binary must have, nil when none is pinned
// (open has checked that it decodes).
func (m *Model) pinned() []byte {
	sum, _ := hex.DecodeString(m.cfg.SHA256)
	if len(sum) == 0 {
		return nil
	}
	return sum
}

// Path is the plugin binary's absolute path.
func (m *Model) Path() string { return m.cfg.Path }

// Kind implements plan.Portable: plans that apply a plugin travel, with
// the binary located by its path (which must exist where the plan runs).
func (m *Model) Kind() string { return "plugin" }

// Config implements plan.Portable.
func (m *Model) Config() (json.RawMessage, error) { return json.Marshal(m.cfg) }

func init() {
	udf.RegisterModel("plugin", func(raw json.RawMessage) (udf.Model, error) {
		m := &Model{logger: slog.Default()}
		if err := json.Unmarshal(raw, &m.cfg); err != nil {
			return nil, fmt.Errorf("plugins: decoding a model: %w", err)
		}
		return m, m.open()
	})
}
