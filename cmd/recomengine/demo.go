package main

import (
	"bufio"
	"bytes"
	"cmp"
	"compress/gzip"
	"context"
	"crypto/rand"
	"embed"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/recomengine/recomengine/sdk"
)

// demoData is a shop's real history (UCI Online Retail, CC BY 4.0; demodata/ATTRIBUTION.md).
//
//go:embed demodata/*.jsonl.gz
var demoData embed.FS

// demoCmd runs `recomengine demo`: the server on an embedded database of its own, filled
// through the public API with a real shop's catalog and five weeks of its purchases, and a
// storefront on a second address, another origin as a shop's site is, whose pages show the
// SDK's widgets. It prints where to look and runs until interrupted.
func demoCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "the API's listen address")
	shopAddr := fs.String("shop-addr", "127.0.0.1:8081", "the demo storefront's listen address")
	dir := fs.String("dir", "data/demo", "the demo's own folder: its database is replaced at each start")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if sdk.Handler() == nil {
		return errors.New("demo: this binary was built without the SDK, so the storefront would show nothing: run `make demo` (it needs Node)")
	}
	catalog, events, err := loadDemoData()
	if err != nil {
		return err
	}
	// Both addresses first: a demo must not seed a server already listening there.
	apiLn, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	shopLn, err := net.Listen("tcp", *shopAddr)
	if err != nil {
		apiLn.Close()
		return err
	}
	defer shopLn.Close()
	if err := freshDemoDir(*dir); err != nil {
		apiLn.Close()
		return err
	}
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() {
		served <- serveOn(ctx, apiLn, []string{"-database-url", "sqlite:" + filepath.Join(*dir, "recomengine.db"),
			"-redis-url", "", "-log-level", "warn", "-migrate=true"}, demoEnv(getenv), stdout, stderr)
	}()
	api, shop := "http://"+reachable(apiLn.Addr()), "http://"+reachable(shopLn.Addr())
	if err := waitReady(ctx, api, served); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "demo: loading %d products and %d purchase lines through the API…\n", len(catalog), len(events))
	d, err := seedDemo(ctx, api, shop, catalog, events)
	if err != nil {
		stop()
		<-served
		if ctx.Err() != nil {
			return nil // interrupted while loading
		}
		return fmt.Errorf("demo: %w", err)
	}
	srv := &http.Server{Handler: d.storefront(api), ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(shopLn)
	defer srv.Close()
	fmt.Fprintf(stdout, `
RecomEngine demo: a real shop's catalog and purchases (UCI Online Retail, CC BY 4.0)
  storefront   %s/          the SDK's widgets on a shop's pages (pick a shopper at the top)
  dashboard    %s/tenants/%s/experiments/%s
               analytics, the home page's experiment, catalog, widgets: one simulated visit
               by each customer, who clicks and buys alike in both arms (any winner is chance)
  API docs     %s/docs/
  admin        %s / %s   (log in to the dashboard, or POST /api/v1/auth/login)
  keys         secret %s   publishable %s
Ctrl-C stops it; the next run starts afresh.
`, shop, api, d.tenantID, d.experimentID, api, demoEmail, d.password, d.secretKey, d.publicKey)
	return <-served
}

// The demo's accounts: the shop's merchant, and the operator who raises its limits.
const (
	demoEmail    = "demo@recomengine.example"
	demoOperator = "operator@recomengine.example"
)

// demoEnv is the demo server's environment: the defaults of the embedded mode whatever
// RECOM_* the shell holds (a TLS certificate or a production database would not do here),
// the cost of bcrypt excepted (tests lower it). Its operator account is a super admin, to
// raise the shop's rate limits so the history loads in seconds, not at a merchant's 500
// writes a minute.
func demoEnv(getenv func(string) string) func(string) string {
	return func(k string) string {
		switch k {
		case "RECOM_SUPER_ADMIN_EMAILS":
			return demoOperator
		case "RECOM_BCRYPT_COST":
			return getenv(k)
		}
		return ""
	}
}

// demoMarker marks a folder as the demo's: only such a folder (or an empty or new one)
// has its database replaced, so a mistyped -dir never erases a real one.
const demoMarker = ".recomengine-demo"

// freshDemoDir makes dir the demo's, without its previous database.
func freshDemoDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(entries) > 0 && !slices.ContainsFunc(entries, func(e os.DirEntry) bool { return e.Name() == demoMarker }) {
		return fmt.Errorf("demo: %s holds files the demo did not make: give it a folder of its own (-dir)", dir)
	}
	for _, e := range entries {
		if e.Name() != demoMarker {
			if err := os.RemoveAll(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, demoMarker), []byte("recomengine demo: replaced at each start\n"), 0o600)
}

// reachable is a listener's address as a browser can reach it: a wildcard host (":8080")
// becomes the loopback.
func reachable(a net.Addr) string {
	host, port, err := net.SplitHostPort(a.String())
	if ip := net.ParseIP(host); err == nil && (host == "" || ip != nil && ip.IsUnspecified()) {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return a.String()
}

// waitReady polls /readyz until the server answers, it fails, or ctx ends.
func waitReady(ctx context.Context, api string, served <-chan error) error {
	c := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, "GET", api+"/readyz", nil)
		if err != nil {
			return err
		}
		if res, err := c.Do(req); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case err := <-served:
			return cmp.Or(err, errors.New("the server stopped"))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// demoProduct is a catalog line as the API takes it, plus what the storefront shows.
type demoProduct map[string]any

func (p demoProduct) id() string { s, _ := p["productId"].(string); return s }

// loadDemoData reads the embedded catalog and purchase lines, their times moved so the
// last is an hour ago: "trending this week" means something.
func loadDemoData() (catalog []demoProduct, events []map[string]any, err error) {
	if err := readJSONLines("demodata/catalog.jsonl.gz", func(b []byte) error {
		var p demoProduct
		err := json.Unmarshal(b, &p)
		catalog = append(catalog, p)
		return err
	}); err != nil {
		return nil, nil, err
	}
	var last time.Time
	if err := readJSONLines("demodata/events.jsonl.gz", func(b []byte) error {
		var e map[string]any
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		at, err := time.Parse(time.RFC3339, fmt.Sprint(e["timestamp"]))
		if err != nil {
			return err
		}
		if at.After(last) {
			last = at
		}
		events = append(events, e)
		return nil
	}); err != nil {
		return nil, nil, err
	}
	shift := time.Now().Add(-time.Hour).Sub(last)
	for _, e := range events {
		at, _ := time.Parse(time.RFC3339, e["timestamp"].(string))
		e["timestamp"] = at.Add(shift).UTC().Format(time.RFC3339)
	}
	return catalog, events, nil
}

// readJSONLines calls fn with each line of an embedded gzipped JSON-lines file.
func readJSONLines(name string, fn func([]byte) error) error {
	f, err := demoData.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if err := fn(sc.Bytes()); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return sc.Err()
}

// demoShop is what the seeding made, for the storefront and the printout.
type demoShop struct {
	password, tenantID, secretKey, publicKey string
	experimentID                             string // the home page's, with the simulated visits
	products                                 map[string]demoProduct
	popular                                  []string // product ids, best sellers first
	shoppers                                 []string // the customers with the most purchase lines
}

// seedDemo signs up the demo admin and makes its tenant, keys, widgets, catalog and
// history, all through the API as a merchant would.
func seedDemo(ctx context.Context, api, shop string, catalog []demoProduct, events []map[string]any) (*demoShop, error) {
	d := &demoShop{password: rand.Text(), products: map[string]demoProduct{}}
	c := &demoClient{base: api}
	var auth struct{ Token string }
	if err := c.call(ctx, "POST", "/api/v1/auth/signup", map[string]any{"email": demoEmail, "password": d.password}, &auth); err != nil {
		return nil, err
	}
	c.header = []string{"Authorization", "Bearer " + auth.Token}
	var tenant struct{ ID string }
	if err := c.call(ctx, "POST", "/api/v1/tenants", map[string]any{"name": "Demo gift shop",
		"config": map[string]any{"allowedOrigins": []string{shop}, "currency": "GBP"}}, &tenant); err != nil {
		return nil, err
	}
	d.tenantID = tenant.ID
	operator := &demoClient{base: api}
	if err := operator.call(ctx, "POST", "/api/v1/auth/signup", map[string]any{"email": demoOperator, "password": rand.Text()}, &auth); err != nil {
		return nil, err
	}
	operator.header = []string{"Authorization", "Bearer " + auth.Token}
	if err := operator.call(ctx, "PUT", "/api/v1/tenants/"+tenant.ID, map[string]any{"config": map[string]any{
		"rateLimits": map[string]any{"readsPerMinute": 100_000, "writesPerMinute": 100_000}}}, nil); err != nil {
		return nil, err
	}
	var secret, public struct{ Key string }
	if err := c.call(ctx, "POST", "/api/v1/tenants/"+tenant.ID+"/api-keys", map[string]any{"name": "Demo loader", "permissions": "read_write"}, &secret); err != nil {
		return nil, err
	}
	if err := c.call(ctx, "POST", "/api/v1/tenants/"+tenant.ID+"/api-keys",
		map[string]any{"name": "Demo storefront", "permissions": "read_write", "type": "publishable"}, &public); err != nil {
		return nil, err
	}
	d.secretKey, d.publicKey = secret.Key, public.Key
	widgets := map[string]map[string]any{
		"home": {"title": "Recommended for you", "columns": 4, "itemCount": 8, "ctaText": "View"},
		"product-page": {"title": "Frequently bought together", "layout": "carousel", "columns": 4, "itemCount": 10,
			"strategy": "frequently_bought_together", "ctaText": "Add to basket", "theme": map[string]any{"primaryColor": "#0f766e"}},
		"similar": {"title": "Similar products", "columns": 4, "itemCount": 4, "strategy": "content_based", "ctaText": "See it",
			"theme": map[string]any{"primaryColor": "#7c3aed", "borderRadius": 16}},
	}
	for placement, w := range widgets {
		if err := c.call(ctx, "PUT", "/api/v1/tenants/"+tenant.ID+"/widgets/"+placement, w, nil); err != nil {
			return nil, err
		}
	}
	keyed := &demoClient{base: api, header: []string{"X-API-Key", secret.Key}}
	for i := 0; i < len(catalog); i += 500 {
		items := catalog[i:min(i+500, len(catalog))]
		for _, p := range items {
			p["url"] = shop + "/p/" + p.id()
			d.products[p.id()] = p
		}
		if err := keyed.call(ctx, "POST", "/api/v1/catalog/batch", map[string]any{"items": items}, nil); err != nil {
			return nil, err
		}
	}
	if err := sendEvents(ctx, keyed, events); err != nil {
		return nil, err
	}
	// The shoppers offered are those of the last week: shoppers' recent events are what
	// personal recommendations start from (they live 30 days).
	weekAgo := time.Now().Add(-7 * 24 * time.Hour).UTC().Format(time.RFC3339)
	recent := slices.DeleteFunc(slices.Clone(events), func(e map[string]any) bool { return e["timestamp"].(string) < weekAgo })
	d.popular, d.shoppers = ranked(events, "productId", 12), ranked(recent, "userId", 4)
	// The first request builds the shop's model: here, not in the first page's widgets.
	if len(d.shoppers) > 0 {
		if err := keyed.call(ctx, "GET", "/api/v1/recommendations?userId="+d.shoppers[0], nil, nil); err != nil {
			return nil, err
		}
	}
	// Every customer then visits the home page once, in the experiment there, so the
	// dashboard's analytics and experiment pages have something to show.
	var err error
	if d.experimentID, err = simulateVisits(ctx, c, keyed, tenant.ID, ranked(events, "userId", len(events)), d.products); err != nil {
		return nil, err
	}
	return d, nil
}

// sendEvents posts the events in batches of 100, four requests at a time, so the group
// commit has company.
func sendEvents(ctx context.Context, c *demoClient, events []map[string]any) error {
	batches := make(chan []map[string]any)
	errs := make(chan error, 4)
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for b := range batches {
				if err := c.call(ctx, "POST", "/api/v1/events/batch", map[string]any{"events": b}, nil); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	var err error
feed:
	for i := 0; i < len(events); i += 100 {
		select {
		case batches <- events[i:min(i+100, len(events))]:
		case err = <-errs:
			break feed
		}
	}
	close(batches)
	wg.Wait()
	if err != nil {
		return err
	}
	select {
	case err = <-errs:
	default:
	}
	return err
}

// ranked returns the values of field most often found in events, most frequent first
// (ties by value), at most n.
func ranked(events []map[string]any, field string, n int) []string {
	counts := map[string]int{}
	for _, e := range events {
		counts[fmt.Sprint(e[field])]++
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b string) int {
		return cmp.Or(counts[b]-counts[a], strings.Compare(a, b))
	})
	return keys[:min(n, len(keys))]
}

// demoClient calls the API and decodes the data of its answers.
type demoClient struct {
	base   string
	header []string
}

func (c *demoClient) call(ctx context.Context, method, path string, body, out any) error {
	answer, err := c.send(ctx, method, path, body)
	if err != nil || out == nil {
		return err
	}
	var env struct{ Data json.RawMessage }
	if err := json.Unmarshal(answer, &env); err != nil {
		return err
	}
	return json.Unmarshal(env.Data, out)
}

// send calls the API and returns the whole answer, or an error naming a refusal.
func (c *demoClient) send(ctx context.Context, method, path string, body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(c.header); i += 2 {
		req.Header.Set(c.header[i], c.header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode >= 300 {
		return nil, fmt.Errorf("%s %s: %d %s", method, path, res.StatusCode, answer)
	}
	return answer, nil
}

// storefront serves the demo shop: a home page with personal picks and best sellers, and
// a page per product with what is bought with it and what is like it, all drawn by the
// SDK from the API on the other origin.
func (d *demoShop) storefront(api string) http.Handler {
	mux := http.NewServeMux()
	page := func(w http.ResponseWriter, r *http.Request, name string, data map[string]any) {
		data["SDK"], data["Key"], data["Shoppers"] = api+"/sdk/recomengine.v1.js", d.publicKey, d.shoppers
		var b bytes.Buffer
		if err := demoPages.ExecuteTemplate(&b, name, data); err != nil {
			http.Error(w, "the page could not be drawn", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(b.Bytes())
	}
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		var popular []demoProduct
		for _, id := range d.popular {
			if p, ok := d.products[id]; ok {
				popular = append(popular, p)
			}
		}
		page(w, r, "home", map[string]any{"Title": "Home", "Shopper": r.URL.Query().Get("shopper"), "Switch": r.URL.Query().Has("shopper"), "Popular": popular})
	})
	mux.HandleFunc("GET /p/{id}", func(w http.ResponseWriter, r *http.Request) {
		p, ok := d.products[r.PathValue("id")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		page(w, r, "product", map[string]any{"Title": p["name"], "Product": p})
	})
	return mux
}

var demoPages = template.Must(template.New("").Parse(`
{{define "head"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · Demo gift shop</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#1f2937;background:#f9fafb}
header,main{max-width:1040px;margin:0 auto;padding:16px}
header{display:flex;flex-wrap:wrap;gap:12px;align-items:baseline;justify-content:space-between}
a{color:#1d4ed8} .shoppers a{margin-left:8px} .grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(220px,1fr));gap:12px}
.card{background:#fff;border:1px solid #e5e7eb;border-radius:8px;padding:12px} section{margin:24px 0}
button{font:inherit;padding:8px 16px;border-radius:6px;border:0;background:#0f766e;color:#fff;cursor:pointer}
</style></head><body>
<header><h1><a href="/">Demo gift shop</a></h1>
<nav class="shoppers" aria-label="Shop as">Shop as:{{range .Shoppers}} <a href="/?shopper={{.}}">customer {{.}}</a>{{end}} <a href="/?shopper=">a new visitor</a></nav></header>
<main>{{end}}

{{define "sdk"}}<script>window.recomengine = window.recomengine || [];</script>
<script async src="{{.SDK}}" data-api-key="{{.Key}}"></script>{{end}}

{{define "home"}}{{template "head" .}}
{{template "sdk" .}}
{{if .Switch}}<script>recomengine.push(["identify", {{if .Shopper}}{{.Shopper}}{{else}}null{{end}}]);</script>{{end}}
<p>A real shop's catalog and five weeks of its purchases (UCI Online Retail). The widgets below come from RecomEngine:
each page of this shop carries one script tag. Pick a customer above to see their picks; a new visitor gets what is trending.</p>
<section><div data-recomengine-placement="home"></div></section>
<section><h2>Best sellers</h2><div class="grid">{{range .Popular}}
<div class="card"><a href="/p/{{index . "productId"}}">{{index . "name"}}</a><div>£{{printf "%.2f" (index . "price")}}</div></div>{{end}}
</div></section>
</main></body></html>{{end}}

{{define "product"}}{{template "head" .}}
{{template "sdk" .}}
<script>recomengine.push(["track", "product_viewed", {productId: {{index .Product "productId"}}}]);</script>
<section class="card"><h2>{{index .Product "name"}}</h2><p>{{index .Product "category"}} · £{{printf "%.2f" (index .Product "price")}}</p>
<button type="button" onclick='recomengine.push(["track", "add_to_cart", {productId: {{index .Product "productId"}}, quantity: 1}]); this.textContent = "In your basket"'>Add to basket</button></section>
<section><div data-recomengine-placement="product-page" data-product-id="{{index .Product "productId"}}"></div></section>
<section><div data-recomengine-placement="similar" data-product-id="{{index .Product "productId"}}"></div></section>
</main></body></html>{{end}}
`))
