package ui

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

// DefaultAddr is where a Server listens when given no address: Spark's
// UI port, on the loopback interface only.
const DefaultAddr = "127.0.0.1:4040"

// ErrRemoteBind is wrapped by the error of a Server asked to bind an
// address other machines may reach, without AllowRemote.
var ErrRemoteBind = errors.New("ui: refusing to serve on a non-loopback address (the UI has no authentication; pass AllowRemote to serve anyway)")

// Server serves a Store's UI on a TCP address until Close.
type Server struct {
	srv      *http.Server
	listener net.Listener
	done     chan error
}

// Listen binds addr and serves store's UI (Handler) there in the
// background until Close. An empty addr means DefaultAddr; an address
// without a host (":4040") means the loopback interface, 127.0.0.1, not
// every interface; port 0 picks a free port (Addr says which). A host
// that is not a loopback one ("0.0.0.0", a name other than localhost, a
// routable IP) is an error wrapping ErrRemoteBind unless AllowRemote is
// given.
func Listen(addr string, store *Store, opts ...Option) (*Server, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	bind, err := bindAddr(addr, o.allowRemote)
	if err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", bind)
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	s := &Server{
		srv:      &http.Server{Handler: store.Handler(opts...), ReadHeaderTimeout: 10 * time.Second},
		listener: l,
		done:     make(chan error, 1),
	}
	go func() { s.done <- s.srv.Serve(l) }()
	return s, nil
}

// CheckAddr returns the error Listen would give addr for its form or for
// naming a host other than the loopback interface (without AllowRemote),
// so that a command line can refuse it as a usage error before it runs.
func CheckAddr(addr string) error {
	_, err := bindAddr(addr, false)
	return err
}

// bindAddr resolves addr to what net.Listen binds, refusing remote hosts
// unless allowed.
func bindAddr(addr string, allowRemote bool) (string, error) {
	if addr == "" {
		return DefaultAddr, nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("ui: address %q: %w", addr, err)
	}
	if host == "" {
		return net.JoinHostPort("127.0.0.1", port), nil
	}
	if !allowRemote && !isLoopback(host) {
		return "", fmt.Errorf("%w: %q", ErrRemoteBind, addr)
	}
	return addr, nil
}

// isLoopback reports whether host names the loopback interface only:
// "localhost" or a loopback IP (127.0.0.0/8, ::1).
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Addr returns the address the server listens on (with the port chosen
// when it was asked for port 0).
func (s *Server) Addr() string { return s.listener.Addr().String() }

// URL returns the UI's address as a URL: http://127.0.0.1:4040.
func (s *Server) URL() string { return "http://" + s.Addr() }

// Close stops the server: it stops listening, lets requests in progress
// finish for up to 5 seconds, and closes what remains.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		err = s.srv.Close()
	}
	if serveErr := <-s.done; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// Serve serves store's UI on addr (as Listen binds it) until ctx is
// done, then closes the server. ready, when not nil, is called with the
// server once it listens.
func Serve(ctx context.Context, addr string, store *Store, ready func(*Server), opts ...Option) error {
	s, err := Listen(addr, store, opts...)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(s)
	}
	<-ctx.Done()
	return s.Close()
}
