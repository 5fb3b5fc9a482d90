package loadtest

import (
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// RecsConfig shapes a recommendation load test.
type RecsConfig struct {
	URL         string
	Tenants     int
	Users       int // shoppers with history per tenant
	Products    int
	Rate        int
	Duration    time.Duration // of the measured attack
	Warmup      time.Duration // of the attack before it, at the same rate, not measured
	Connections int           // HTTP connections (0: 64)
	Admin       Admin
}

// RecsReport is the outcome of a run.
type RecsReport struct {
	Warmup        warmupReport
	Requests      uint64
	Throughput    float64
	P50, P95, P99 time.Duration
	Max           time.Duration
	StatusCodes   map[string]int
	Errors        []string
	// CPU per request, warm-up included: the server's process (from its /metrics) and
	// the client's; negative where not known.
	ServerCPU, ClientCPU time.Duration
}

// Recs seeds tenants with a catalog and shoppers' history, then asks for recommendations
// in a realistic mix: known users (50 %), new users (20 %), a product page with
// frequently-bought-together or content-based (20 %), an explicit trending list (10 %).
func Recs(ctx context.Context, cfg RecsConfig, w io.Writer) (RecsReport, error) {
	if cfg.Tenants < 1 || cfg.Users < 1 || cfg.Products < 2 || cfg.Rate < 1 || cfg.Duration <= 0 || cfg.Warmup < 0 {
		return RecsReport{}, fmt.Errorf("loadtest: need tenants, users, rate ≥ 1, products ≥ 2, duration > 0, warm-up ≥ 0")
	}
	runID := newRunID()
	c := &client{base: strings.TrimRight(cfg.URL, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	fmt.Fprintf(w, "run %s: seeding %d tenants with %d products and %d shoppers each\n", runID, cfg.Tenants, cfg.Products, cfg.Users)
	tenants, err := setup(ctx, c, runID, cfg.Admin, cfg.Tenants, cfg.Products)
	if err != nil {
		return RecsReport{}, err
	}
	for _, t := range tenants {
		if err := seedHistory(ctx, c, t, cfg.Users, cfg.Products); err != nil {
			return RecsReport{}, err
		}
		// The first request builds the tenant's model; the attack measures serving.
		if err := c.call(ctx, "GET", "/api/v1/recommendations?userId=u0", nil, nil, "X-API-Key", t.Key); err != nil {
			return RecsReport{}, fmt.Errorf("loadtest: first recommendation: %w", err)
		}
	}
	targeter := func(tg *vegeta.Target) error {
		t := tenants[rand.IntN(len(tenants))]
		q := url.Values{}
		switch r := rand.IntN(10); {
		case r < 5:
			q.Set("userId", fmt.Sprint("u", rand.IntN(cfg.Users)))
		case r < 7:
			q.Set("userId", fmt.Sprintf("new-%s-%d", runID, rand.IntN(1<<30)))
		case r < 9:
			q.Set("userId", fmt.Sprint("u", rand.IntN(cfg.Users)))
			q.Set("productId", fmt.Sprint("p", rand.IntN(cfg.Products)))
			q.Set("strategy", []string{"frequently_bought_together", "content_based"}[r-7])
			q.Set("placement", "product-page")
		default:
			q.Set("userId", fmt.Sprint("u", rand.IntN(cfg.Users)))
			q.Set("strategy", "trending")
		}
		tg.Method, tg.URL = "GET", c.base+"/api/v1/recommendations?"+q.Encode()
		tg.Header = http.Header{"X-API-Key": {t.Key}}
		return nil
	}
	fmt.Fprintf(w, "attacking GET /api/v1/recommendations at %d req/s for %v after a %v warm-up\n", cfg.Rate, cfg.Duration, cfg.Warmup)
	var m vegeta.Metrics
	var warm warmupReport
	cpu := startCPU(func() (time.Duration, bool) { return serverCPU(ctx, c) })
	attack(targeter, cfg.Rate, cfg.Connections, 0, cfg.Warmup, cfg.Duration, "recs", func(res *vegeta.Result, measured bool) {
		if measured {
			m.Add(res)
		} else {
			warm.add(res)
		}
	})
	m.Close()
	cpu.stop(int(m.Requests) + warm.Requests)
	warm.print(w, cfg.Warmup)
	rep := RecsReport{Warmup: warm, Requests: m.Requests, Throughput: m.Throughput, P50: m.Latencies.P50, P95: m.Latencies.P95,
		P99: m.Latencies.P99, Max: m.Latencies.Max, StatusCodes: m.StatusCodes, Errors: m.Errors,
		ServerCPU: cpu.ServerPer, ClientCPU: cpu.ClientPer}
	fmt.Fprintf(w, "requests       %d, %.0f answered/s\n", rep.Requests, rep.Throughput)
	printLatency(w, "latency", rep.P50, rep.P95, rep.P99, rep.Max)
	fmt.Fprintf(w, "status codes   %v\n", rep.StatusCodes)
	printCPU(w, "a request", rep.ServerCPU, rep.ClientCPU)
	fmt.Fprintf(w, "errors         %d\n", len(rep.Errors))
	return rep, nil
}

// seedHistory sends each shopper's views and paired purchases over the last 90 days.
func seedHistory(ctx context.Context, c *client, t tenant, users, products int) error {
	base := time.Now().Add(-90 * 24 * time.Hour).UTC()
	var batch []map[string]any
	send := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := c.call(ctx, "POST", "/api/v1/events/batch", map[string]any{"events": batch}, nil, "X-API-Key", t.Key)
		batch = batch[:0]
		return err
	}
	for u := 0; u < users; u++ {
		home := rand.IntN(products)
		for j := 0; j < 8; j++ {
			a, b := (home+j)%products, (home+j+1)%products
			at := base.Add(time.Duration(j)*11*24*time.Hour + time.Duration(rand.IntN(1440))*time.Minute)
			user := fmt.Sprint("u", u)
			batch = append(batch,
				map[string]any{"eventType": "product_viewed", "userId": user, "productId": fmt.Sprint("p", a), "timestamp": at},
				map[string]any{"eventType": "purchase", "userId": user, "productId": fmt.Sprint("p", a), "orderId": fmt.Sprint(u, "-", j), "price": 10, "timestamp": at.Add(time.Minute)},
				map[string]any{"eventType": "purchase", "userId": user, "productId": fmt.Sprint("p", b), "orderId": fmt.Sprint(u, "-", j), "price": 10, "timestamp": at.Add(time.Minute)})
			if len(batch) >= 96 {
				if err := send(); err != nil {
					return fmt.Errorf("loadtest: seed events: %w", err)
				}
			}
		}
	}
	if err := send(); err != nil {
		return fmt.Errorf("loadtest: seed events: %w", err)
	}
	return nil
}
