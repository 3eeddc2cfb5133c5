package frame

import (
	"log/slog"

	"github.com/ember-df/ember/monitor/metrics"
	"github.com/ember-df/ember/monitor/ui"
)

// uiState is the session's web UI: its server, or why it has none.
type uiState struct {
	server *ui.Server
	err    error
}

// WithUI serves the session's web UI (package monitor/ui, docs/ui.md) on
// addr while the session is open, as Spark serves :4040: its jobs with
// their state, duration and rows, their stages and partitions, their
// plans cut into stages and their model calls' metrics and latency
// histograms, refreshed while they run, and a JSON API (/api/jobs,
// /api/jobs/{id}), and the session's Prometheus metrics at /metrics
// (package monitor/metrics).
//
//	sess := frame.NewSession(frame.WithUI("127.0.0.1:4040")) // serves while the session is open
//
// An address without a host (":4040") binds the loopback interface only;
// ":0" picks a free port (UIAddr says which). A non-loopback host is
// refused unless opts has ui.AllowRemote: the UI has no authentication.
//
// The UI only watches: if it cannot serve (the port is taken, the address
// is refused), the session works without it — the failure is logged with
// log/slog and UIErr returns it; jobs never fail because of their UI.
// Close stops the server.
func WithUI(addr string, opts ...ui.Option) Option {
	return func(s *Session) {
		store := ui.NewStore(maxJobs)
		exporter := metrics.New()
		opts = append([]ui.Option{ui.Mount("GET /metrics", exporter.Handler())}, opts...)
		server, err := ui.Listen(addr, store, opts...)
		if err != nil {
			s.ui = uiState{err: err}
			slog.Warn("frame: the web UI is not served", "addr", addr, "err", err)
			return
		}
		s.ui = uiState{server: server}
		s.listeners = append(s.listeners, store, exporter)
		s.closers = append(s.closers, server.Close)
	}
}

// UIAddr returns the address the session's web UI listens on
// ("127.0.0.1:4040"), or "" when it serves none (no WithUI, or it could
// not start: see UIErr).
func (s *Session) UIAddr() string {
	if s.ui.server == nil {
		return ""
	}
	return s.ui.server.Addr()
}

// UIErr returns why WithUI's server did not start, or nil.
func (s *Session) UIErr() error { return s.ui.err }
