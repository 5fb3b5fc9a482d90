package loadtest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// EventsConfig shapes an event ingestion run.
type EventsConfig struct {
	URL         string
	Tenants     int           // tenants (each with its own key) the load is spread over
	Rate        int           // requests per second
	Duration    time.Duration // of the measured attack
	Warmup      time.Duration // of the attack before it, at the same rate, not measured
	Batch       int           // events per request: 1 uses POST /events, more POST /events/batch
	Products    int           // catalog size per tenant
	Shoppers    int           // shoppers per tenant the events come from (0: a new one each event; else ≥ Batch)
	Connections int           // HTTP connections (0: 64)
	Verify      bool          // count the stored events afterwards
	Admin       Admin
}

// EventsReport is the outcome of a run.
type EventsReport struct {
	RunID         string
	Warmup        warmupReport
	Requests      uint64
	Acknowledged  int64 // events accepted (202) in the measured attack
	Duplicates    int64 // events answered as already stored, in the warm-up too (a shopper pool can repeat a dedup key)
	Unreadable    int   // answers 200 or 202 whose counts could not be read, in the warm-up too
	EventsPerSec  float64
	P50, P95, P99 time.Duration
	Max           time.Duration
	StatusCodes   map[string]int
	Errors        []string
	Stored        int64 // events found afterwards in the run's tenants (-1: not verified)
	Missing       int64 // acknowledged (in the warm-up too) but not stored
	// CPU per event sent, warm-up included: the server's process (from its /metrics)
	// and the client's; negative where not known.
	ServerCPU, ClientCPU time.Duration
}

// Events runs an ingestion load test and writes a report to w.
func Events(ctx context.Context, cfg EventsConfig, w io.Writer) (EventsReport, error) {
	if cfg.Tenants < 1 || cfg.Rate < 1 || cfg.Batch < 1 || cfg.Batch > 100 || cfg.Duration <= 0 || cfg.Warmup < 0 || cfg.Shoppers < 0 || (cfg.Shoppers > 0 && cfg.Shoppers < cfg.Batch) {
		return EventsReport{}, fmt.Errorf("loadtest: need tenants ≥ 1, rate ≥ 1, 1 ≤ batch ≤ 100, duration > 0, warm-up ≥ 0, shoppers 0 or ≥ batch")
	}
	rep := EventsReport{RunID: newRunID(), Stored: -1}
	c := &client{base: strings.TrimRight(cfg.URL, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	fmt.Fprintf(w, "run %s: setting up %d tenants with %d products each on %s\n", rep.RunID, cfg.Tenants, cfg.Products, c.base)
	tenants, err := setup(ctx, c, rep.RunID, cfg.Admin, cfg.Tenants, cfg.Products)
	if err != nil {
		return rep, err
	}
	path := "/api/v1/events"
	if cfg.Batch > 1 {
		path = "/api/v1/events/batch"
	}
	var seq atomic.Int64
	acked := make([]atomic.Int64, len(tenants))
	// Each request names its tenant index in a query parameter the server ignores, so
	// results are attributed to tenants without parsing bodies.
	targeter := func(t *vegeta.Target) error {
		n := seq.Add(1)
		ti := int(n) % len(tenants)
		t.Method, t.URL = "POST", c.base+path+"?lt="+strconv.Itoa(ti)
		t.Header = http.Header{"Content-Type": {"application/json"}, "X-API-Key": {tenants[ti].Key}}
		t.Body = appendBody(make([]byte, 0, 160*cfg.Batch), rep.RunID, n, cfg)
		return nil
	}
	fmt.Fprintf(w, "attacking %s at %d req/s (%d events/s) for %v after a %v warm-up\n", path, cfg.Rate, cfg.Rate*cfg.Batch, cfg.Duration, cfg.Warmup)
	var m vegeta.Metrics
	cpu := startCPU(func() (time.Duration, bool) { return serverCPU(ctx, c) })
	// Answers are read whole: they list a problem per rejected or unknown-product event.
	attack(targeter, cfg.Rate, cfg.Connections, 1<<20, cfg.Warmup, cfg.Duration, "events", func(res *vegeta.Result, measured bool) {
		if measured {
			m.Add(res)
		} else {
			rep.Warmup.add(res)
		}
		accepted, duplicates, ok := counts(res)
		if !ok {
			rep.Unreadable++
		}
		rep.Duplicates += duplicates
		if ti, ok := tenantOf(res.URL); ok {
			acked[ti].Add(accepted)
		}
		if measured {
			rep.Acknowledged += accepted
		}
	})
	m.Close()
	cpu.stop((int(m.Requests) + rep.Warmup.Requests) * cfg.Batch)
	rep.ServerCPU, rep.ClientCPU = cpu.ServerPer, cpu.ClientPer
	rep.Requests, rep.StatusCodes, rep.Errors = m.Requests, m.StatusCodes, m.Errors
	rep.P50, rep.P95, rep.P99, rep.Max = m.Latencies.P50, m.Latencies.P95, m.Latencies.P99, m.Latencies.Max
	if m.Duration > 0 {
		rep.EventsPerSec = float64(rep.Acknowledged) / (m.Duration + m.Wait).Seconds()
	}
	if cfg.Verify {
		rep.Stored = 0
		for i, t := range tenants {
			var total struct {
				Meta struct{ Total int64 } `json:"meta"`
			}
			if err := c.getMeta(ctx, "/api/v1/tenants/"+t.ID+"/events?limit=1", &total); err != nil {
				return rep, err
			}
			rep.Stored += total.Meta.Total
			if miss := acked[i].Load() - total.Meta.Total; miss > 0 {
				rep.Missing += miss
			}
		}
	}
	printEvents(w, rep, cfg.Warmup)
	return rep, nil
}

func printEvents(w io.Writer, r EventsReport, warmup time.Duration) {
	r.Warmup.print(w, warmup)
	fmt.Fprintf(w, "requests       %d\n", r.Requests)
	fmt.Fprintf(w, "acknowledged   %d events, %.0f events/s\n", r.Acknowledged, r.EventsPerSec)
	printLatency(w, "ack latency", r.P50, r.P95, r.P99, r.Max)
	fmt.Fprintf(w, "status codes   %v\n", r.StatusCodes)
	printCPU(w, "an event", r.ServerCPU, r.ClientCPU)
	if r.Unreadable > 0 {
		fmt.Fprintf(w, "unreadable     %d answers 200/202 whose counts could not be read\n", r.Unreadable)
	}
	if r.Duplicates > 0 {
		fmt.Fprintf(w, "duplicates     %d events answered as already stored (a shopper pool can repeat a dedup key)\n", r.Duplicates)
	}
	printErrors(w, r.Errors)
	if r.Stored >= 0 {
		fmt.Fprintf(w, "verified       %d stored, %d acknowledged events missing\n", r.Stored, r.Missing)
	}
}

// appendBody appends request n's body to b: one event (batch 1) or {"events": […]}. A
// batch's events have one timestamp (the receipt), so they are spread over distinct
// shoppers, which keeps their dedup keys apart. It appends rather than formats: 8 µs a
// 100-event body, with no allocation but b's growth, as the client shares the machine.
func appendBody(b []byte, runID string, n int64, cfg EventsConfig) []byte {
	firstShopper := rand.IntN(max(cfg.Shoppers, 1))
	if cfg.Batch > 1 {
		b = append(b, `{"events":[`...)
	}
	for i := range cfg.Batch {
		if i > 0 {
			b = append(b, ',')
		}
		// A storefront's mix: what the SDK sends (impressions, clicks) and the shop's own
		// events; the analytic types also mark their day for the rollup.
		typ, extra := "product_viewed", ""
		switch r := rand.IntN(100); {
		case r < 40:
			typ, extra = "recommendation_impressed", `,"recommendationId":"lt-`
		case r < 45:
			typ, extra = "recommendation_clicked", `,"recommendationId":"lt-`
		case r < 55:
			typ = "add_to_cart"
		case r < 60:
			typ, extra = "purchase", `,"orderId":"o-`
		}
		b = append(append(append(b, `{"eventType":"`...), typ...), `","userId":"`...)
		b = append(append(b, runID...), '-')
		if cfg.Shoppers > 0 {
			b = strconv.AppendInt(b, int64((firstShopper+i)%cfg.Shoppers), 10)
		} else {
			b = append(strconv.AppendInt(b, n, 10), '-')
			b = strconv.AppendInt(b, int64(i), 10)
		}
		b = append(b, `","productId":"p`...)
		b = strconv.AppendInt(b, int64(rand.IntN(max(cfg.Products, 1))), 10)
		b = strconv.AppendInt(append(b, `","sessionId":"s`...), n, 10)
		b = append(b, '"')
		if extra != "" {
			b = strconv.AppendInt(append(b, extra...), n, 10)
			if typ == "purchase" {
				b = append(b, `","price":12.5,"quantity":1`...)
			} else {
				b = append(b, `","placement":"home"`...)
			}
		}
		b = append(b, '}')
	}
	if cfg.Batch > 1 {
		b = append(b, `]}`...)
	}
	return b
}

// counts reads how many events an answer accepted and how many it found already stored:
// 202 with {"data": {"accepted": n, "duplicates": m}} for new events, 200 with
// "accepted": 0 for a single duplicate. ok is false for such an answer it cannot read
// (say, cut at the attack's body limit); other answers count nothing.
func counts(res *vegeta.Result) (accepted, duplicates int64, ok bool) {
	if res.Code != http.StatusAccepted && res.Code != http.StatusOK {
		return 0, 0, true
	}
	var body struct {
		Data *struct{ Accepted, Duplicates int64 } `json:"data"`
		Meta struct{ Duplicate bool }              `json:"meta"`
	}
	if json.Unmarshal(res.Body, &body) != nil || body.Data == nil {
		return 0, 0, false
	}
	if body.Meta.Duplicate {
		body.Data.Duplicates++
	}
	return body.Data.Accepted, body.Data.Duplicates, true
}

// tenantOf reads the tenant index the targeter put in a request URL.
func tenantOf(url string) (int, bool) {
	_, q, ok := strings.Cut(url, "?lt=")
	if !ok {
		return 0, false
	}
	ti, err := strconv.Atoi(q)
	return ti, err == nil
}
