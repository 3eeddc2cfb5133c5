package storage

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// NewHTTPFS returns the read-only filesystem of http:// and https:// URLs
// using client (http.DefaultClient when nil). Stat is a HEAD request;
// OpenRange sends a Range header and, when the server ignores it (a 200
// reply instead of 206), skips to the offset in the whole body. There is
// no listing (globs and directories are ErrNotSupported); writes are
// ErrReadOnly. Register it for "http" and "https" to use another client.
func NewHTTPFS(client *http.Client) FS {
	if client == nil {
		client = http.DefaultClient
	}
	return &httpFS{client: client}
}

type httpFS struct{ client *http.Client }

func (h *httpFS) do(ctx context.Context, method, url string, header http.Header) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := h.client.Do(req)
	if err != nil {
		return nil, err
	}
	switch {
	case resp.StatusCode == http.StatusNotFound || resp.StatusCode == http.StatusGone:
		resp.Body.Close()
		return nil, notExist(strings.ToLower(method), url)
	case resp.StatusCode == http.StatusRequestedRangeNotSatisfiable:
		return resp, nil
	case resp.StatusCode >= 300:
		resp.Body.Close()
		return nil, fmt.Errorf("storage: %s %s: %s", method, url, resp.Status)
	}
	return resp, nil
}

func (h *httpFS) Stat(ctx context.Context, path string) (FileInfo, error) {
	resp, err := h.do(ctx, http.MethodHead, path, nil)
	if err != nil {
		return FileInfo{}, err
	}
	resp.Body.Close()
	if resp.ContentLength < 0 {
		return FileInfo{}, fmt.Errorf("storage: HEAD %s: the server gives no Content-Length", path)
	}
	mod, _ := http.ParseTime(resp.Header.Get("Last-Modified"))
	return FileInfo{Path: path, Size: resp.ContentLength, ModTime: mod}, nil
}

func (h *httpFS) List(_ context.Context, dir string) ([]FileInfo, error) {
	return nil, fmt.Errorf("storage: list %s: %w: HTTP has no listing; name each file", dir, ErrNotSupported)
}

func (h *httpFS) Open(ctx context.Context, path string) (io.ReadCloser, error) {
	resp, err := h.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

func (h *httpFS) OpenRange(ctx context.Context, path string, off, n int64) (io.ReadCloser, error) {
	if off < 0 {
		return nil, fmt.Errorf("storage: %s: negative offset %d", path, off)
	}
	if n == 0 {
		return io.NopCloser(strings.NewReader("")), nil
	}
	spec := "bytes=" + strconv.FormatInt(off, 10) + "-"
	if n > 0 {
		spec += strconv.FormatInt(off+n-1, 10)
	}
	resp, err := h.do(ctx, http.MethodGet, path, http.Header{"Range": {spec}})
	if err != nil {
		return nil, err
	}
	switch resp.StatusCode {
	case http.StatusPartialContent:
		if n < 0 {
			return resp.Body, nil
		}
		return readCloser{Reader: io.LimitReader(resp.Body, n), Closer: resp.Body}, nil
	case http.StatusRequestedRangeNotSatisfiable: // off is at or past the end
		resp.Body.Close()
		return io.NopCloser(strings.NewReader("")), nil
	}
	// The server sent the whole body: skip to off.
	if _, err := io.CopyN(io.Discard, resp.Body, off); err != nil && err != io.EOF {
		resp.Body.Close()
		return nil, err
	}
	if n < 0 {
		return resp.Body, nil
	}
	return readCloser{Reader: io.LimitReader(resp.Body, n), Closer: resp.Body}, nil
}

func (h *httpFS) readOnly(op, path string) error {
	return fmt.Errorf("storage: %s %s: %w (http and https are read-only)", op, path, ErrReadOnly)
}

func (h *httpFS) Create(_ context.Context, path string) (Writer, error) {
	return nil, h.readOnly("create", path)
}

func (h *httpFS) Remove(_ context.Context, path string) error { return h.readOnly("remove", path) }

func (h *httpFS) RemoveAll(_ context.Context, dir string) error { return h.readOnly("remove", dir) }
