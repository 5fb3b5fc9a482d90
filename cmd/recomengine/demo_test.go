package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/sdk"
)

// TestDemo: `recomengine demo` loads a real shop through the API and serves a storefront
// on another origin whose pages carry the SDK with the shop's publishable key; the
// widgets it configured and personal recommendations answer that origin; the printed
// admin login works.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("loads a dataset")
	}
	if sdk.Handler() == nil {
		if os.Getenv("RECOM_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("the SDK is not built (sdk/dist): make test builds it first")
		}
		t.Skip("the SDK is not built (needs Node): make test builds it first")
	}
	ctx, cancel := context.WithCancel(context.Background())
	out := &logBuffer{}
	done := make(chan error, 1)
	env := map[string]string{"RECOM_BCRYPT_COST": "4", "RECOM_TLS_CERT_FILE": "ignored.pem"}
	go func() {
		done <- run(ctx, []string{"demo", "-addr", "127.0.0.1:0", "-shop-addr", "127.0.0.1:0", "-dir", t.TempDir()},
			func(k string) string { return env[k] }, strings.NewReader(""), out, out)
	}()
	var stopped sync.Once
	stop := func() {
		stopped.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("demo ended with %v", err)
			}
		})
	}
	t.Cleanup(stop) // before any Fatal: the demo never outlives the test
	deadline := time.Now().Add(90 * time.Second)
	for !strings.Contains(out.String(), "Ctrl-C") {
		if time.Now().After(deadline) {
			t.Fatalf("demo not ready after 90 s:\n%s", out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	printed := out.String()
	m := regexp.MustCompile(`storefront +(http://\S+)/ .*\n +dashboard +(http://\S+/tenants/(\S+)/experiments/(\S+))\n(?: {4,}.*\n)*` +
		` +API docs +(http://\S+)/docs/\n +admin +(\S+) / (\S+) .*\n.*publishable (rk_pub_\S+)`).FindStringSubmatch(printed)
	if m == nil {
		t.Fatalf("no URLs, login and key in:\n%s", printed)
	}
	shopURL, dashboardURL, tenantID, experimentID, apiURL, email, password, key := m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]

	c := &http.Client{Timeout: 10 * time.Second}
	status, _, home := get(t, c, shopURL+"/")
	if status != 200 || !strings.Contains(home, `src="`+apiURL+`/sdk/recomengine.v1.js" data-api-key="`+key+`"`) ||
		!strings.Contains(home, `data-recomengine-placement="home"`) {
		t.Fatalf("storefront home: %d\n%s", status, home)
	}
	product := regexp.MustCompile(`href="/p/([^"]+)"`).FindStringSubmatch(home)
	shopper := regexp.MustCompile(`href="/\?shopper=(\d+)"`).FindStringSubmatch(home)
	if product == nil || shopper == nil {
		t.Fatalf("no best seller or shopper on the home page:\n%s", home)
	}
	if status, _, page := get(t, c, shopURL+"/p/"+product[1]); status != 200 ||
		!strings.Contains(page, `data-recomengine-placement="product-page" data-product-id="`+product[1]+`"`) {
		t.Errorf("product page: %d\n%s", status, page)
	}

	fromShop := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", apiURL+path+"&apiKey="+key, nil)
		req.Header.Set("Origin", shopURL)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Access-Control-Allow-Origin") != shopURL {
			t.Fatalf("GET %s from the shop: %d, Access-Control-Allow-Origin %q", path, res.StatusCode, res.Header.Get("Access-Control-Allow-Origin"))
		}
		if err := json.NewDecoder(res.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	var widget struct {
		Data struct{ Strategy, Layout string }
	}
	fromShop("/api/v1/widgets/product-page?", &widget)
	if widget.Data.Strategy != "frequently_bought_together" || widget.Data.Layout != "carousel" {
		t.Errorf("the product page's widget: %+v", widget.Data)
	}
	var recs struct {
		Data []struct{ URL string }
		Meta struct{ Strategy string }
	}
	fromShop("/api/v1/recommendations?placement=home&userId="+shopper[1], &recs)
	if len(recs.Data) == 0 || !strings.HasPrefix(recs.Data[0].URL, shopURL+"/p/") || recs.Meta.Strategy == "trending_fallback" {
		t.Errorf("a loaded customer's recommendations: %+v", recs)
	}
	tok := login(t, apiURL, email, password)
	if tok == "" {
		t.Fatal("the printed login does not sign in")
	}
	if status, _, page := get(t, c, dashboardURL); status != 200 || !strings.Contains(page, "<div id=\"root\"") {
		t.Errorf("the printed dashboard URL: %d\n%s", status, page)
	}
	// The simulated visits: every customer in the home page's experiment, and their
	// impressions, clicks and purchases in the analytics (after a rollup, every 5 s).
	admin := func(path string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", apiURL+"/api/v1/tenants/"+tenantID+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(v); err != nil || res.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, res.StatusCode, err)
		}
	}
	var results struct {
		Data struct {
			ExperimentStatus string
			SampleSize       struct{ Control, Variant int }
			Metrics          map[string]struct{ ControlMetric, VariantMetric float64 }
		}
	}
	var overview struct {
		Data struct {
			Current struct{ Impressions, Clicks, Conversions int }
		}
	}
	today, yesterday := time.Now().UTC().Format("2006-01-02"), time.Now().UTC().AddDate(0, 0, -1).Format("2006-01-02") // a run may cross midnight
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		admin("/experiments/"+experimentID+"/results", &results)
		admin("/analytics/overview?from="+yesterday+"&to="+today, &overview)
		r, o := results.Data, overview.Data.Current
		if r.SampleSize.Control+r.SampleSize.Variant >= 1800 && r.Metrics["ctr"].ControlMetric > 0 && r.Metrics["ctr"].VariantMetric > 0 &&
			o.Impressions > 10_000 && o.Clicks > 100 && o.Conversions > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the simulated visits are not in the results or analytics after 30 s: %+v, %+v", r, o)
		}
	}
	if results.Data.ExperimentStatus != "running" {
		t.Errorf("the home page's experiment is %s, want running", results.Data.ExperimentStatus)
	}
	t.Logf("experiment: %+v; analytics today: %+v", results.Data, overview.Data.Current)
	if status, _, _ := get(t, c, apiURL+"/docs/"); status != 200 {
		t.Errorf("the printed docs URL: %d", status)
	}
	if status, _, _ := get(t, c, apiURL+"/sdk/recomengine.v1.js"); status != 200 {
		t.Errorf("the storefront's SDK: %d", status)
	}
	stop()
}

// TestDemoKeepsOtherFolders: the demo replaces only a folder of its own.
func TestDemoKeepsOtherFolders(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "recomengine.db")
	if err := os.WriteFile(real, []byte("a shop's data"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := freshDemoDir(dir); err == nil {
		t.Error("the demo took over a folder holding a database")
	}
	if _, err := os.Stat(real); err != nil {
		t.Errorf("the database is gone: %v", err)
	}
	demo := filepath.Join(dir, "demo")
	for range 2 { // made, then replaced
		if err := freshDemoDir(demo); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(demo, "recomengine.db"), []byte("demo"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := freshDemoDir(demo); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(demo, "recomengine.db")); !os.IsNotExist(err) {
		t.Errorf("the previous demo's database is still there: %v", err)
	}
}

// login signs in and returns the access token ("" if refused).
func login(t *testing.T, base, email, password string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Data struct{ Token string } }
	json.NewDecoder(res.Body).Decode(&out)
	return out.Data.Token
}

// TestDemoDataEndsAnHourAgo: the history is moved so its last purchase is an hour old,
// keeping every gap between purchases.
func TestDemoDataEndsAnHourAgo(t *testing.T) {
	catalog, events, err := loadDemoData()
	if err != nil {
		t.Fatal(err)
	}
	if len(catalog) != 3659 || len(events) != 78267 {
		t.Fatalf("%d products, %d events", len(catalog), len(events))
	}
	var fileFirst, fileLast string // RFC 3339 in UTC: text order is time order
	if err := readJSONLines("demodata/events.jsonl.gz", func(b []byte) error {
		var e struct{ Timestamp string }
		err := json.Unmarshal(b, &e)
		if fileFirst == "" || e.Timestamp < fileFirst {
			fileFirst = e.Timestamp
		}
		fileLast = max(fileLast, e.Timestamp)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	a, _ := time.Parse(time.RFC3339, fileFirst)
	b, _ := time.Parse(time.RFC3339, fileLast)
	var first, last time.Time
	for i, e := range events {
		at, err := time.Parse(time.RFC3339, e["timestamp"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
	}
	if age := time.Since(last); age < 59*time.Minute || age > 61*time.Minute {
		t.Errorf("the last purchase is %v old, want an hour", age)
	}
	if span := last.Sub(first); span != b.Sub(a) || span < 30*24*time.Hour {
		t.Errorf("the history spans %v, the file %v", span, b.Sub(a))
	}
}
