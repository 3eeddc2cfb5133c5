package ui

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"

	"github.com/ember-df/ember/internal/bytesize"
)

//go:embed assets
var assets embed.FS

var pages = template.Must(template.New("pages").Funcs(template.FuncMap{
	"bytes":     bytesize.Format,
	"count":     formatCount,
	"duration":  formatMs,
	"histogram": newHistogram,
	"lower":     strings.ToLower,
	"join":      joinInts,
	"modelsOf":  modelsOf,
}).ParseFS(assets, "assets/*.html"))

// Option configures a Handler or a Server.
type Option func(*options)

type options struct {
	allowRemote bool
	mounts      []mount
}

type mount struct {
	pattern string
	handler http.Handler
}

// AllowRemote lets a Server bind an address that is not a loopback one
// (0.0.0.0, a host's name or address): the UI has no authentication, so
// whoever reaches the port sees the jobs' plans, paths and errors.
func AllowRemote() Option { return func(o *options) { o.allowRemote = true } }

// Mount serves h at pattern (an http.ServeMux pattern) beside the UI's
// pages: a Prometheus handler at "/metrics", say.
func Mount(pattern string, h http.Handler) Option {
	return func(o *options) { o.mounts = append(o.mounts, mount{pattern, h}) }
}

// Handler returns the UI of s: the pages (/jobs, /jobs/{id},
// /jobs/{id}/stages/{stage}, /jobs/{id}/plan), the JSON API (/api/jobs,
// /api/jobs/{id}), the embedded assets (/static/) and what Mount adds.
func (s *Store) Handler(opts ...Option) http.Handler {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/jobs", http.StatusFound)
	})
	mux.HandleFunc("GET /jobs", s.jobsPage)
	mux.HandleFunc("GET /jobs/{id}", s.jobPage)
	mux.HandleFunc("GET /jobs/{id}/plan", s.planPage)
	mux.HandleFunc("GET /jobs/{id}/stages/{stage}", s.stagePage)
	mux.HandleFunc("GET /api/jobs", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, s.Jobs()) })
	mux.HandleFunc("GET /api/jobs/{id}", func(w http.ResponseWriter, r *http.Request) {
		if j, ok := s.jobOf(w, r); ok {
			writeJSON(w, j)
		}
	})
	for _, m := range o.mounts {
		mux.Handle(m.pattern, m.handler)
	}
	return mux
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

// jobOf returns the job the request's {id} names, or answers 404.
func (s *Store) jobOf(w http.ResponseWriter, r *http.Request) (JobDetail, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err == nil {
		if j, ok := s.Job(id); ok {
			return j, true
		}
	}
	http.Error(w, fmt.Sprintf("no job %q (the UI keeps the last %d)", r.PathValue("id"), s.max), http.StatusNotFound)
	return JobDetail{}, false
}

// page is what every template gets: the title, whether the page shows
// something still running (the script then refreshes it), and the data.
type page struct {
	Title string
	Live  bool
	Job   JobDetail
	Jobs  []JobSummary
	Stage Stage
}

func render(w http.ResponseWriter, name string, p page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := pages.ExecuteTemplate(w, name, p); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func (s *Store) jobsPage(w http.ResponseWriter, r *http.Request) {
	p := page{Title: "Jobs", Jobs: s.Jobs()}
	for _, j := range p.Jobs {
		p.Live = p.Live || j.State == StateRunning
	}
	// Newest first, as Spark lists them.
	for i, j := 0, len(p.Jobs)-1; i < j; i, j = i+1, j-1 {
		p.Jobs[i], p.Jobs[j] = p.Jobs[j], p.Jobs[i]
	}
	render(w, "jobs.html", p)
}

func (s *Store) jobPage(w http.ResponseWriter, r *http.Request) {
	if j, ok := s.jobOf(w, r); ok {
		render(w, "job.html", page{Title: fmt.Sprintf("Job %d", j.ID), Live: j.State == StateRunning, Job: j})
	}
}

func (s *Store) planPage(w http.ResponseWriter, r *http.Request) {
	if j, ok := s.jobOf(w, r); ok {
		render(w, "plan.html", page{Title: fmt.Sprintf("Job %d: plan", j.ID), Live: j.State == StateRunning, Job: j})
	}
}

func (s *Store) stagePage(w http.ResponseWriter, r *http.Request) {
	j, ok := s.jobOf(w, r)
	if !ok {
		return
	}
	id, err := strconv.Atoi(r.PathValue("stage"))
	for _, st := range j.Stages {
		if err == nil && st.ID == id {
			render(w, "stage.html", page{Title: fmt.Sprintf("Job %d: stage %d", j.ID, st.ID), Live: j.State == StateRunning, Job: j, Stage: st})
			return
		}
	}
	http.Error(w, fmt.Sprintf("job %d has no stage %q", j.ID, r.PathValue("stage")), http.StatusNotFound)
}

// modelsOf returns the models of job that stage calls: those whose
// output column or function its operators name.
func modelsOf(job JobDetail, stage Stage) []Model {
	var out []Model
	for _, m := range job.Models {
		if strings.Contains(stage.Operators, m.Column) || strings.Contains(stage.Operators, m.Function) {
			out = append(out, m)
		}
	}
	return out
}

// histogram is a latency histogram drawn as SVG bars: the buckets from
// the first to the last that counted a batch.
type histogram struct {
	Width, Height int
	// LabelY is where the buckets' bounds are written, under the bars.
	LabelY int
	Bars   []bar
}

type bar struct {
	X, Y, W, H int
	Label      string
	Count      int64
}

const (
	barWidth   = 58
	countSpace = 14 // above the bars, for the tallest one's count
	plotHeight = 120
	labelSpace = 34
	minBars    = 7
)

func newHistogram(l Latency) histogram {
	first, last := -1, -1
	var most int64
	for i, b := range l.Buckets {
		if b.Count > 0 {
			if first < 0 {
				first = i
			}
			last = i
			most = max(most, b.Count)
		}
	}
	h := histogram{Height: countSpace + plotHeight + labelSpace, LabelY: countSpace + plotHeight + 14}
	if first < 0 {
		return h
	}
	// Empty buckets on either side, minBars at least, show where the
	// batches fall on the scale.
	for last-first+1 < minBars && (first > 0 || last < len(l.Buckets)-1) {
		first, last = max(first-1, 0), min(last+1, len(l.Buckets)-1)
	}
	for i := first; i <= last; i++ {
		b := l.Buckets[i]
		height := int(b.Count * plotHeight / most)
		if b.Count > 0 {
			height = max(height, 1)
		}
		label := "≤ " + b.Le
		if b.LeMs == nil {
			label = "> " + l.Buckets[i-1].Le
		}
		h.Bars = append(h.Bars, bar{X: (i - first) * barWidth, Y: countSpace + plotHeight - height, W: barWidth - 6, H: height, Label: label, Count: b.Count})
	}
	h.Width = len(h.Bars) * barWidth
	return h
}

func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func formatMs(ms any) string {
	var v float64
	switch x := ms.(type) {
	case int64:
		v = float64(x)
	case float64:
		v = x
	}
	switch {
	case v < 1:
		return fmt.Sprintf("%.0f µs", v*1000)
	case v < 1000:
		return fmt.Sprintf("%.1f ms", v)
	case v < 60_000:
		return fmt.Sprintf("%.1f s", v/1000)
	default:
		return fmt.Sprintf("%.1f min", v/60_000)
	}
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, ", ")
}
