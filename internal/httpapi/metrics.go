package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/recomengine/recomengine/internal/recom"
)

// metrics are the HTTP metrics served at /metrics, labelled by route pattern (never by raw
// path, which would explode cardinality and could carry identifiers).
type metrics struct {
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	inFlight prometheus.Gauge
}

func newMetrics(reg prometheus.Registerer, health func() []recom.Health) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "recomengine_http_requests_total", Help: "HTTP requests by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "recomengine_http_request_duration_seconds", Help: "HTTP request latency by method and route pattern.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"method", "route"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "recomengine_http_requests_in_flight", Help: "HTTP requests being served.",
		}),
	}
	reg.MustRegister(m.requests, m.latency, m.inFlight, &healthCollector{check: health})
	return m
}

// healthCollector exports the health of the store and of Redis at scrape time.
type healthCollector struct{ check func() []recom.Health }

var healthDesc = prometheus.NewDesc("recomengine_dependency_up",
	"1 when the dependency answers through its configured backend, 0 when it is down or replaced by a fallback.",
	[]string{"dependency", "backend"}, nil)

func (c *healthCollector) Describe(ch chan<- *prometheus.Desc) { ch <- healthDesc }

func (c *healthCollector) Collect(ch chan<- prometheus.Metric) {
	for _, h := range c.check() {
		v := 0.0
		if h.OK {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(healthDesc, prometheus.GaugeValue, v, h.Name, h.Backend)
	}
}
