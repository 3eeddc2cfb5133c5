package ui_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/ember-df/ember/monitor/ui"
)

// TestListenLocalOnly: the UI binds the loopback interface unless told
// otherwise — an address without a host included — and refuses
// addresses other machines may reach without AllowRemote.
func TestListenLocalOnly(t *testing.T) {
	store := ui.NewStore(0)
	for _, addr := range []string{":0", "127.0.0.1:0", "localhost:0"} {
		s, err := ui.Listen(addr, store)
		if err != nil {
			t.Errorf("Listen(%q): %v", addr, err)
			continue
		}
		if got := s.Addr(); !strings.HasPrefix(got, "127.0.0.1:") && !strings.HasPrefix(got, "[::1]:") {
			t.Errorf("Listen(%q) listens on %s, want the loopback interface", addr, got)
		}
		resp, err := http.Get(s.URL() + "/api/jobs")
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Errorf("Listen(%q): GET /api/jobs: %v %v", addr, resp, err)
		} else {
			resp.Body.Close()
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	for _, addr := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.7:4040", "example.com:4040", "10.1.2.3:0"} {
		if s, err := ui.Listen(addr, store); !errors.Is(err, ui.ErrRemoteBind) {
			t.Errorf("Listen(%q): %v, want ui.ErrRemoteBind", addr, err)
			if s != nil {
				s.Close()
			}
		}
	}
	s, err := ui.Listen("0.0.0.0:0", store, ui.AllowRemote())
	if err != nil {
		t.Fatalf("Listen(0.0.0.0:0, AllowRemote): %v", err)
	}
	s.Close()
	if _, err := ui.Listen("no-port", store); err == nil || errors.Is(err, ui.ErrRemoteBind) {
		t.Errorf("Listen(no-port): %v, want an address error", err)
	}
}
