package metrics_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"

	"github.com/ember-df/ember/frame"
	"github.com/ember-df/ember/monitor/metrics"
)

// An Exporter counts the jobs of the sessions it listens to; Handler
// serves them to Prometheus (the web UI mounts it at /metrics).
func ExampleExporter() {
	m := metrics.New()
	sess := frame.NewSession(frame.WithListener(m))
	defer sess.Close()
	if _, err := sess.Range(1000).Count(context.Background()); err != nil {
		panic(err)
	}

	// http.Handle("/metrics", m.Handler()), here without a server:
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, "ember_jobs_total") || strings.HasPrefix(line, "ember_rows_read_total") {
			fmt.Println(line)
		}
	}
	// Output:
	// ember_jobs_total{state="failed"} 0
	// ember_jobs_total{state="succeeded"} 1
	// ember_rows_read_total 1000
}
