// Package loadtest drives a running RecomEngine over HTTP with realistic load (vegeta as
// a library) and reports throughput and latency percentiles. It sets up its own admin,
// tenants, keys and catalog through the public API, so it needs nothing but a URL, and it
// checks afterwards that what the server acknowledged is really stored. It imports
// nothing of ours: it is a client.
package loadtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// attack sends what tr makes at rate over conns keep-alive connections (reading at most
// maxBody bytes of each answer; conns 0 means 64): first for warmup, handing each result to onResult with
// measured false, then for duration with measured true. The warm-up opens the
// connections and fills the server's caches, as a server in service has them: opening
// 512 connections at once took the first second of a run to a p50 of 170 ms (against
// 5 ms after it), which alone set the p95 of a 10-second run. The report gives the
// warm-up's status codes too. A vegeta attacker serves one attack, so each phase has its
// own, over one shared client that keeps the connections (transport.go: lighter than
// http.Transport, and no proxy).
func attack(tr vegeta.Targeter, rate, conns int, maxBody int64, warmup, duration time.Duration,
	name string, onResult func(res *vegeta.Result, measured bool)) {
	if conns <= 0 {
		conns = 64
	}
	rt := newTransport(conns, maxBody, 10*time.Second)
	client := &http.Client{Transport: rt} // no Timeout: the transport keeps it
	run := func(d time.Duration, measured bool) {
		attacker := vegeta.NewAttacker(vegeta.Client(client), vegeta.Workers(uint64(conns)), vegeta.MaxBody(maxBody))
		for res := range attacker.Attack(tr, vegeta.Rate{Freq: rate, Per: time.Second}, d, name) {
			onResult(res, measured)
		}
	}
	if warmup > 0 {
		run(warmup, false)
	}
	run(duration, true)
	rt.CloseIdleConnections()
}

// warmupReport sums up the warm-up's requests.
type warmupReport struct {
	Requests    int
	StatusCodes map[string]int
	FirstError  string
}

func (r *warmupReport) add(res *vegeta.Result) {
	if r.StatusCodes == nil {
		r.StatusCodes = map[string]int{}
	}
	r.Requests++
	r.StatusCodes[fmt.Sprint(res.Code)]++
	if r.FirstError == "" && res.Error != "" {
		r.FirstError = res.Error
	}
}

func (r warmupReport) print(w io.Writer, d time.Duration) {
	if r.Requests > 0 {
		fmt.Fprintf(w, "warm-up        %v at the same rate, %d requests, not in the figures below; status codes %v\n", d, r.Requests, r.StatusCodes)
	}
	if r.FirstError != "" {
		fmt.Fprintf(w, "warm-up error  %s\n", r.FirstError)
	}
}

// printLatency writes a run's latency percentiles as "<label> p50 …  p95 …  p99 …  max …".
func printLatency(w io.Writer, label string, p50, p95, p99, worst time.Duration) {
	r := func(d time.Duration) time.Duration { return d.Round(10 * time.Microsecond) }
	fmt.Fprintf(w, "%-14s p50 %v  p95 %v  p99 %v  max %v\n", label, r(p50), r(p95), r(p99), r(worst))
}

// printErrors writes how many kinds of error a run met, and the first.
func printErrors(w io.Writer, errs []string) {
	if len(errs) > 0 {
		fmt.Fprintf(w, "errors         %d kinds, first: %s\n", len(errs), errs[0])
	} else {
		fmt.Fprintf(w, "errors         0\n")
	}
}

// client calls the API as a merchant would.
type client struct {
	base  string
	http  *http.Client
	token string
}

// call sends a JSON request and decodes the data of the answer into out (if not nil).
func (c *client) call(ctx context.Context, method, path string, body, out any, header ...string) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, strings.TrimSpace(string(b)))
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(b, &struct {
		Data any `json:"data"`
	}{out})
}

// tenant is a tenant the load test made, with its read_write key.
type tenant struct {
	ID  string
	Key string
}

// Admin is who the load test signs in as. Raising the tenants' rate limits above the
// platform defaults (so the run measures the service, not the per-key limit) needs a
// super admin: an email listed in the server's RECOM_SUPER_ADMIN_EMAILS.
type Admin struct {
	Email, Password string
}

// setup signs up (or, if taken, signs in) the admin and makes n tenants with a key and
// products each.
func setup(ctx context.Context, c *client, runID string, admin Admin, n, products int) ([]tenant, error) {
	var sess struct {
		Token string `json:"token"`
	}
	if admin.Email == "" {
		admin = Admin{Email: "loadtest-" + runID + "@loadtest.example", Password: "load " + newRunID() + " secret"}
	}
	creds := map[string]string{"email": admin.Email, "password": admin.Password}
	if err := c.call(ctx, "POST", "/api/v1/auth/signup", creds, &sess); err != nil {
		if lerr := c.call(ctx, "POST", "/api/v1/auth/login", creds, &sess); lerr != nil {
			return nil, fmt.Errorf("loadtest: sign up (%v) or sign in: %w", err, lerr)
		}
	}
	c.token = sess.Token
	out := make([]tenant, n)
	for i := range out {
		var t struct{ ID string }
		body := map[string]any{"name": fmt.Sprintf("loadtest %s #%d", runID, i),
			"config": map[string]any{"rateLimits": map[string]int{"readsPerMinute": 1_000_000, "writesPerMinute": 1_000_000}}}
		if err := c.call(ctx, "POST", "/api/v1/tenants", body, &t); err != nil {
			return nil, fmt.Errorf("loadtest: create tenant with raised rate limits (needs a super admin: "+
				"start the server with RECOM_SUPER_ADMIN_EMAILS=%s and pass -email/-password): %w", admin.Email, err)
		}
		var k struct{ Key string }
		if err := c.call(ctx, "POST", "/api/v1/tenants/"+t.ID+"/api-keys", map[string]string{"name": "loadtest", "permissions": "read_write"}, &k); err != nil {
			return nil, fmt.Errorf("loadtest: create key: %w", err)
		}
		items := make([]map[string]any, products)
		for p := range items {
			items[p] = map[string]any{"productId": fmt.Sprintf("p%d", p), "name": fmt.Sprintf("Product %d", p),
				"category": fmt.Sprintf("c%d", p%10), "price": 1 + p%50}
		}
		for start := 0; start < len(items); start += 500 {
			end := min(start+500, len(items))
			if err := c.call(ctx, "POST", "/api/v1/catalog/batch", map[string]any{"items": items[start:end]}, nil, "X-API-Key", k.Key); err != nil {
				return nil, fmt.Errorf("loadtest: seed catalog: %w", err)
			}
		}
		out[i] = tenant{ID: t.ID, Key: k.Key}
	}
	return out, nil
}

func newRunID() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return time.Now().UTC().Format("0102T1504") + "-" + hex.EncodeToString(b)
}

// getMeta GETs an admin path and decodes the whole answer into out.
func (c *client) getMeta(ctx context.Context, path string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	res, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %d", path, res.StatusCode)
	}
	return json.NewDecoder(res.Body).Decode(out)
}
