package main

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"database/sql"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/recomengine/recomengine/internal/postgres/pgtest"
	"github.com/recomengine/recomengine/internal/redis/redistest"
)

// instance is a `recomengine serve` running in-process.
type instance struct {
	URL  string
	Logs *logBuffer
	stop func() error
}

// startServe runs `serve` with env as its whole environment and waits for its URL.
func startServe(t *testing.T, env map[string]string) *instance {
	t.Helper()
	if env["RECOM_ADDR"] == "" {
		env["RECOM_ADDR"] = "127.0.0.1:0"
	}
	if env["RECOM_BCRYPT_COST"] == "" {
		env["RECOM_BCRYPT_COST"] = "4"
	}
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, strings.NewReader(""), pw, pw)
		pw.Close()
	}()
	urlc := make(chan string, 1)
	logs := &logBuffer{}
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		re := regexp.MustCompile(`serving on (https?://\S+)`)
		for sc.Scan() {
			logs.WriteString(sc.Text() + "\n")
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				urlc <- m[1]
			}
		}
	}()
	var once bool
	stop := func() error {
		if once {
			return nil
		}
		once = true
		cancel()
		err := <-errc
		<-logsDone
		return err
	}
	t.Cleanup(func() { _ = stop() })
	select {
	case u := <-urlc:
		return &instance{URL: u, Logs: logs, stop: stop}
	case err := <-errc:
		t.Fatalf("serve stopped before serving: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not print its URL within 30 s")
	}
	return nil
}

// logBuffer collects serve's output; tests read it while serve writes.
type logBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *logBuffer) WriteString(s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.WriteString(s)
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.WriteString(string(p))
	return len(p), nil
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func get(t *testing.T, c *http.Client, url string) (int, http.Header, string) {
	t.Helper()
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, string(b)
}

func TestServeEmbeddedDefault(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(dir, "data", "recomengine.db")}
	inst := startServe(t, env)
	if code, _, body := get(t, nil, inst.URL+"/healthz"); code != 200 || !strings.Contains(body, `"ok"`) {
		t.Fatalf("/healthz = %d %s", code, body)
	}
	code, _, body := get(t, nil, inst.URL+"/readyz")
	if code != 200 || !strings.Contains(body, `"backend":"sqlite"`) || !strings.Contains(body, `"status":"ready"`) {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	code, hdr, body := get(t, nil, inst.URL+"/docs/")
	if code != 200 || !strings.Contains(hdr.Get("Content-Type"), "text/html") {
		t.Fatalf("/docs/ = %d %s", code, hdr.Get("Content-Type"))
	}
	// Offline: every script and stylesheet the docs page loads is served by us.
	for _, m := range regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		if strings.HasPrefix(m[1], "http") || strings.HasPrefix(m[1], "//") {
			t.Errorf("/docs/ loads %s from elsewhere", m[1])
			continue
		}
		if strings.HasPrefix(m[1], "data:") {
			continue
		}
		u := inst.URL + "/docs/" + strings.TrimPrefix(m[1], "./")
		if strings.HasPrefix(m[1], "/") {
			u = inst.URL + m[1]
		}
		if c, _, _ := get(t, nil, u); c != 200 {
			t.Errorf("/docs/ asset %s = %d", m[1], c)
		}
	}
	if code, _, body := get(t, nil, inst.URL+"/api/v1/openapi.json"); code != 200 || !strings.Contains(body, `"openapi":"3.1.0"`) {
		t.Errorf("openapi.json = %d", code)
	}
	if code, _, _ := get(t, nil, inst.URL+"/metrics"); code != 200 {
		t.Errorf("/metrics = %d", code)
	}
	// A token issued now is still valid after a restart: the generated secrets are kept.
	token := signup(t, inst.URL, "keep@example.com")
	if err := inst.stop(); err != nil {
		t.Fatalf("serve returned %v on shutdown", err)
	}
	fi, err := os.Stat(filepath.Join(dir, "data", "secrets.json"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("secrets.json: %v, mode %v", err, fi)
	}
	inst = startServe(t, env)
	req, _ := http.NewRequest("GET", inst.URL+"/api/v1/auth/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("token after restart: %v %v", err, res.Status)
	}
	res.Body.Close()
}

func signup(t *testing.T, base, email string) string {
	t.Helper()
	res, err := http.Post(base+"/api/v1/auth/signup", "application/json",
		strings.NewReader(fmt.Sprintf(`{"email":%q,"password":"correct horse battery"}`, email)))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Token string `json:"token"`
		} `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != 201 {
		t.Fatalf("signup: %d %v", res.StatusCode, err)
	}
	return out.Data.Token
}

func TestSIGTERMShutsDownGracefully(t *testing.T) {
	inst := startServe(t, map[string]string{"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "r.db")})
	done := make(chan error, 1)
	go func() { done <- inst.stopBySignal() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop within 20 s of SIGTERM")
	}
	if !strings.Contains(inst.Logs.String(), `"msg":"stopped"`) {
		t.Errorf("no clean stop was logged:\n%s", inst.Logs)
	}
}

// stopBySignal sends this process SIGTERM, which serve's signal.NotifyContext has taken
// over, and waits for serve to return.
func (i *instance) stopBySignal() error {
	if err := syscall.Kill(os.Getpid(), syscall.SIGTERM); err != nil {
		return err
	}
	for j := 0; j < 200; j++ {
		if strings.Contains(i.Logs.String(), `"msg":"stopped"`) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	return i.stop()
}

func TestPostgresModeNeedsSecrets(t *testing.T) {
	env := map[string]string{"RECOM_DATABASE_URL": "postgres://nobody@127.0.0.1:1/none", "RECOM_JWT_SECRET": "short"}
	err := run(context.Background(), []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "RECOM_JWT_SECRET") || !strings.Contains(err.Error(), "RECOM_KEY_PEPPER") {
		t.Fatalf("err = %v, want one naming both missing secrets", err)
	}
}

func TestServePostgresAndRedis(t *testing.T) {
	env := map[string]string{
		"RECOM_DATABASE_URL": pgtest.NewDatabase(t),
		"RECOM_REDIS_URL":    redistest.URL(t),
		"RECOM_REDIS_PREFIX": redistest.Prefix(t), // its keys are the test's, and deleted after it
		"RECOM_JWT_SECRET":   strings.Repeat("j", 40),
		"RECOM_KEY_PEPPER":   strings.Repeat("k", 40),
	}
	if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	inst := startServe(t, env)
	code, _, body := get(t, nil, inst.URL+"/readyz")
	if code != 200 || !strings.Contains(body, `"backend":"postgres"`) || !strings.Contains(body, `"backend":"redis"`) || !strings.Contains(body, `"status":"ready"`) {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	signup(t, inst.URL, "pg@example.com")
}

func TestRedisUnreachableAtStartDegrades(t *testing.T) {
	env := map[string]string{
		"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "r.db"),
		"RECOM_REDIS_URL":    "redis://127.0.0.1:1/0",
	}
	inst := startServe(t, env)
	code, _, body := get(t, nil, inst.URL+"/readyz")
	if code != 200 || !strings.Contains(body, `"status":"degraded"`) {
		t.Fatalf("/readyz = %d %s", code, body)
	}
	signup(t, inst.URL, "noredis@example.com") // still serving
}

func TestTLSRefusesOldClients(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := writeSelfSignedCert(t, dir)
	inst := startServe(t, map[string]string{
		"RECOM_DATABASE_URL":  "sqlite:" + filepath.Join(dir, "r.db"),
		"RECOM_TLS_CERT_FILE": certFile, "RECOM_TLS_KEY_FILE": keyFile,
	})
	if !strings.HasPrefix(inst.URL, "https://") {
		t.Fatalf("URL %s is not https", inst.URL)
	}
	host := strings.TrimPrefix(inst.URL, "https://")
	old, err := tls.Dial("tcp", host, &tls.Config{InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11})
	if err == nil {
		old.Close()
		t.Fatal("a TLS 1.1 client was accepted (NFR-008)")
	}
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MinVersion: v, MaxVersion: v}}}
		code, hdr, _ := get(t, c, inst.URL+"/healthz")
		if code != 200 || !strings.Contains(hdr.Get("Strict-Transport-Security"), "max-age=") {
			t.Errorf("TLS %x: %d, HSTS %q", v, code, hdr.Get("Strict-Transport-Security"))
		}
	}
}

func writeSelfSignedCert(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kb}), 0o600)
	return certFile, keyFile
}

// TestConfigDefaults: with nothing set, serve runs the embedded default on loopback with
// bcrypt at cost 12 (FR-001) and no proxy trusted.
func TestConfigDefaults(t *testing.T) {
	c, err := loadConfig("serve", nil, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.BcryptCost != 12 || c.Addr != "127.0.0.1:8080" || !c.embedded() || c.RedisURL != "" || len(c.TrustedProxies) != 0 {
		t.Errorf("defaults: bcrypt %d, addr %s, embedded %v, redis %q, trusted proxies %v", c.BcryptCost, c.Addr, c.embedded(), c.RedisURL, c.TrustedProxies)
	}
}

func TestCommandsAndConfigErrors(t *testing.T) {
	tests := []struct {
		args    []string
		env     map[string]string
		wantErr string
		wantOut string
	}{
		{nil, nil, "no command", ""},
		{[]string{"frobnicate"}, nil, "unknown command", ""},
		{[]string{"version"}, nil, "", "recomengine"},
		{[]string{"help"}, nil, "", "serve"},
		{[]string{"serve", "extra"}, nil, "unexpected arguments", ""},
		{[]string{"serve"}, map[string]string{"RECOM_BCRYPT_COST": "99"}, "RECOM_BCRYPT_COST", ""},
		{[]string{"serve"}, map[string]string{"RECOM_DATABASE_URL": "mysql://x"}, "RECOM_DATABASE_URL", ""},
		{[]string{"serve"}, map[string]string{"RECOM_TLS_CERT_FILE": "c.pem"}, "RECOM_TLS_KEY_FILE", ""},
		{[]string{"serve", "-no-such-flag"}, nil, "not defined", ""},
		{[]string{"serve"}, map[string]string{"RECOM_INGEST_MIN_INTERVAL": "5ms"}, "must not exceed RECOM_INGEST_MAX_DELAY", ""},
		{[]string{"serve"}, map[string]string{"RECOM_INGEST_MIN_INTERVAL": "soon"}, "RECOM_INGEST_MIN_INTERVAL must be a duration", ""},
		{[]string{"serve"}, map[string]string{"RECOM_TRUSTED_PROXIES": "10.0.0.0/8, lb.internal"}, `"lb.internal" is neither an IP address nor a CIDR`, ""},
	}
	for _, tt := range tests {
		var out strings.Builder
		err := run(context.Background(), tt.args, func(k string) string { return tt.env[k] }, nil, &out, io.Discard)
		if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
			t.Errorf("%v: err = %v, want %q", tt.args, err, tt.wantErr)
		}
		if tt.wantErr == "" && (err != nil || !strings.Contains(out.String(), tt.wantOut)) {
			t.Errorf("%v: err %v, out %q", tt.args, err, out.String())
		}
	}
}

func TestMigrateSQLite(t *testing.T) {
	env := map[string]string{"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "new", "m.db")}
	var out strings.Builder
	for i := 0; i < 2; i++ { // idempotent
		if err := run(context.Background(), []string{"migrate"}, func(k string) string { return env[k] }, nil, &out, io.Discard); err != nil {
			t.Fatalf("migrate #%d: %v", i+1, err)
		}
	}
	if !strings.Contains(out.String(), "sqlite") {
		t.Errorf("migrate printed %q", out.String())
	}
}

// TestRedisCutWhileServing: the connection to Redis is cut under a running server;
// requests keep succeeding, /readyz says degraded, and it recovers when Redis is back.
func TestRedisCutWhileServing(t *testing.T) {
	p := redistest.StartProxy(t, redistest.URL(t))
	inst := startServe(t, map[string]string{
		"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "r.db"),
		"RECOM_REDIS_URL":    p.URL,
		"RECOM_REDIS_PREFIX": redistest.Prefix(t),
	})
	ready := func() string {
		_, _, body := get(t, nil, inst.URL+"/readyz")
		return body
	}
	if body := ready(); !strings.Contains(body, `"status":"ready"`) {
		t.Fatalf("/readyz before the cut: %s", body)
	}
	p.Stop()
	for i := 0; i < 5; i++ {
		signup(t, inst.URL, fmt.Sprintf("during-outage-%d@example.com", i))
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(ready(), `"status":"degraded"`) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz does not report the outage: %s", ready())
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.Restart()
	deadline = time.Now().Add(10 * time.Second)
	for !strings.Contains(ready(), `"status":"ready"`) {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz does not recover: %s", ready())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDocsRenderOfflineInChromium loads /docs/ in headless Chromium with background
// networking off and checks Swagger UI rendered the operations from our own document.
func TestDocsRenderOfflineInChromium(t *testing.T) {
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("RECOM_REQUIRE_INTEGRATION") == "1" {
			t.Fatal("chromium is not installed (.ci/run installs Debian's chromium)")
		}
		t.Skip("chromium is not installed")
	}
	inst := startServe(t, map[string]string{"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "d.db")})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir="+t.TempDir(), "--virtual-time-budget=10000", "--dump-dom", inst.URL+"/docs/").Output()
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	dom := string(out)
	for _, want := range []string{"RecomEngine API", "/api/v1/tenants/{id}/api-keys", "createTenant"} {
		if !strings.Contains(dom, want) {
			t.Errorf("the rendered /docs/ lacks %q (%d bytes of DOM)", want, len(dom))
		}
	}
}

// TestTwoNodesShareOneRateLimit: two `serve`s on one PostgreSQL and one Redis enforce one
// per-key limit between them (NFR-007: distributed via Redis).
func TestTwoNodesShareOneRateLimit(t *testing.T) {
	env := map[string]string{
		"RECOM_DATABASE_URL": pgtest.NewDatabase(t),
		"RECOM_REDIS_URL":    redistest.URL(t),
		"RECOM_REDIS_PREFIX": redistest.Prefix(t),
		"RECOM_JWT_SECRET":   strings.Repeat("j", 40),
		"RECOM_KEY_PEPPER":   strings.Repeat("k", 40),
	}
	node1 := startServe(t, env)
	node2 := startServe(t, env)
	token := signup(t, node1.URL, "shared@example.com")
	call := func(method, url, body string, header ...string) (int, string) {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	_, body := call("POST", node1.URL+"/api/v1/tenants", `{"name":"Shared","config":{"rateLimits":{"readsPerMinute":20}}}`, "Authorization", "Bearer "+token)
	var tenant struct {
		Data struct{ ID string } `json:"data"`
	}
	json.Unmarshal([]byte(body), &tenant)
	_, body = call("POST", node2.URL+"/api/v1/tenants/"+tenant.Data.ID+"/api-keys", `{"name":"k","permissions":"read"}`, "Authorization", "Bearer "+token)
	var key struct {
		Data struct{ Key string } `json:"data"`
	}
	json.Unmarshal([]byte(body), &key)
	allowed := 0
	for i := 0; i < 40; i++ {
		node := node1
		if i%2 == 1 {
			node = node2
		}
		switch code, b := call("GET", node.URL+"/api/v1/key", "", "X-API-Key", key.Data.Key); code {
		case 200:
			allowed++
		case 429:
		default:
			t.Fatalf("request %d: %d %s", i, code, b)
		}
	}
	if allowed != 20 {
		t.Errorf("two nodes allowed %d of 40 requests under a shared limit of 20 a minute", allowed)
	}
}

// TestSIGTERMUnderIngestLoseNothing: a server taking events on PostgreSQL is sent SIGTERM;
// every event that got a 202 is in the store afterwards, none twice (DESIGN §3).
func TestSIGTERMUnderIngestLoseNothing(t *testing.T) {
	dbURL := pgtest.NewDatabase(t)
	env := map[string]string{
		"RECOM_DATABASE_URL":       dbURL,
		"RECOM_JWT_SECRET":         strings.Repeat("j", 40),
		"RECOM_KEY_PEPPER":         strings.Repeat("k", 40),
		"RECOM_SUPER_ADMIN_EMAILS": "load@example.com", // raises the tenant's write limit
	}
	inst := startServe(t, env)
	token := signup(t, inst.URL, "load@example.com")
	post := func(path, body string, header ...string) (int, string, error) {
		req, _ := http.NewRequest("POST", inst.URL+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b), nil
	}
	_, body, _ := post("/api/v1/tenants", `{"name":"Load","config":{"rateLimits":{"writesPerMinute":1000000}}}`, "Authorization", "Bearer "+token)
	var tenant struct {
		Data struct{ ID string } `json:"data"`
	}
	json.Unmarshal([]byte(body), &tenant)
	_, body, _ = post("/api/v1/tenants/"+tenant.Data.ID+"/api-keys", `{"name":"k","permissions":"read_write"}`, "Authorization", "Bearer "+token)
	var key struct {
		Data struct{ Key string } `json:"data"`
	}
	json.Unmarshal([]byte(body), &key)

	var mu sync.Mutex
	acked := map[string]bool{}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Go(func() {
			for i := 0; ; i++ {
				var evs []string
				var users []string
				for j := 0; j < 20; j++ {
					u := fmt.Sprintf("g%d-b%d-e%d", g, i, j)
					users = append(users, u)
					evs = append(evs, fmt.Sprintf(`{"eventType":"product_viewed","userId":%q,"productId":"p%d"}`, u, j))
				}
				code, body, err := post("/api/v1/events/batch", `{"events":[`+strings.Join(evs, ",")+`]}`, "X-API-Key", key.Data.Key)
				if err != nil || code == 503 {
					return // the server is going or gone
				}
				if code != 202 || !strings.Contains(body, `"accepted":20`) {
					t.Errorf("batch: %d %s", code, body)
					return
				}
				mu.Lock()
				for _, u := range users {
					acked[u] = true
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(700 * time.Millisecond)
	if err := inst.stopBySignal(); err != nil {
		t.Fatalf("serve returned %v after SIGTERM", err)
	}
	wg.Wait()
	if len(acked) == 0 {
		t.Fatal("no event was acknowledged before SIGTERM")
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT user_id, count(*) FROM events WHERE tenant_id = $1 GROUP BY user_id`, tenant.Data.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]int{}
	for rows.Next() {
		var u string
		var n int
		rows.Scan(&u, &n)
		stored[u] = n
	}
	rows.Close()
	lost := 0
	for u := range acked {
		if stored[u] == 0 {
			lost++
		}
	}
	for u, n := range stored {
		if n > 1 {
			t.Errorf("event of %s stored %d times", u, n)
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged events are not in the store", lost, len(acked))
	}
	t.Logf("%d events acknowledged before and during shutdown, %d stored, 0 lost", len(acked), len(stored))
}

func TestLoadtestEventsCommand(t *testing.T) {
	inst := startServe(t, map[string]string{"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "lt.db"),
		"RECOM_SUPER_ADMIN_EMAILS": "lt@loadtest.example"})
	for _, batch := range []string{"1", "20"} {
		var out strings.Builder
		err := run(context.Background(), []string{"loadtest", "events", "-url", inst.URL, "-rate", "100", "-duration", "1s",
			"-warmup", "500ms", "-tenants", "3", "-products", "10", "-shoppers", "40", "-batch", batch, "-email", "lt@loadtest.example"},
			func(string) string { return "" }, nil, &out, io.Discard)
		if err != nil {
			t.Fatalf("loadtest -batch %s: %v\n%s", batch, err, out.String())
		}
		// Every request acknowledged (vegeta may send one fewer in a window), none lost.
		for _, want := range []string{`warm-up        500ms at the same rate, (49|50) requests, not in the figures below; status codes map\[202:(49|50)\]\n`,
			`status codes   map\[202:(99|100)\]\n`, `errors         0\n`, ` 0 acknowledged events missing`, `p95 \d`,
			`cpu an event   server \d.*s  client \d.*s \(warm-up included\)\n`} {
			if !regexp.MustCompile(want).MatchString(out.String()) {
				t.Errorf("loadtest -batch %s output lacks %s:\n%s", batch, want, out.String())
			}
		}
		// The warm-up's events are verified with the rest; only the measured ones count
		// towards the throughput.
		num := func(re string) int {
			m := regexp.MustCompile(re).FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("loadtest -batch %s output lacks %s:\n%s", batch, re, out.String())
			}
			n, _ := strconv.Atoi(m[1])
			return n
		}
		size, _ := strconv.Atoi(batch)
		warm, measured := num(`warm-up .*, (\d+) requests`), num(`requests       (\d+)\n`)
		if stored := num(`verified       (\d+) stored`); stored != (warm+measured)*size {
			t.Errorf("loadtest -batch %s verified %d stored events, want (%d + %d) × %d", batch, stored, warm, measured, size)
		}
		if acked := num(`acknowledged   (\d+) events`); acked != measured*size {
			t.Errorf("loadtest -batch %s counts %d acknowledged events, want the measured %d × %d", batch, acked, measured, size)
		}
	}
	// A target the run misses fails it, so a script can gate on the latency.
	err := run(context.Background(), []string{"loadtest", "events", "-url", inst.URL, "-rate", "50", "-duration", "200ms",
		"-warmup", "100ms", "-tenants", "1", "-products", "5", "-email", "lt@loadtest.example", "-max-p95", "1ns"},
		func(string) string { return "" }, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "above the target of 1ns") {
		t.Errorf("a run over -max-p95: %v", err)
	}
	if err := run(context.Background(), []string{"loadtest", "nonsense"}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil {
		t.Error("an unknown loadtest kind was accepted")
	}
}

// TestMain lets `loadtest floor` start this test binary as its server, as it starts
// recomengine: os.Executable is the test binary here.
func TestMain(m *testing.M) {
	if len(os.Args) > 2 && os.Args[1] == "loadtest" && os.Args[2] == "floor-server" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func TestLoadtestFloorCommand(t *testing.T) {
	var out strings.Builder
	err := run(context.Background(), []string{"loadtest", "floor", "-rate", "200", "-duration", "1s", "-warmup", "300ms", "-connections", "8"},
		func(string) string { return "" }, nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("loadtest floor: %v\n%s", err, out.String())
	}
	// Every request answered by the empty handler, in a process whose CPU is reported.
	for _, want := range []string{`attacking an empty handler on http://127\.0\.0\.1:\d+ at 200 req/s`,
		`status codes   map\[202:(199|200)\]\n`, `latency        p50 \d.*p95 \d`, `errors         0\n`,
		`cpu a request  server \d.*s  client \d.*s \(warm-up included\)\n`} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("loadtest floor output lacks %s:\n%s", want, out.String())
		}
	}
	if err := run(context.Background(), []string{"loadtest", "floor", "-rate", "0"}, func(string) string { return "" }, nil, io.Discard, io.Discard); err == nil {
		t.Error("loadtest floor accepted a rate of 0")
	}
}

func TestLoadtestRecsCommand(t *testing.T) {
	inst := startServe(t, map[string]string{"RECOM_DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "lr.db"),
		"RECOM_SUPER_ADMIN_EMAILS": "lt@loadtest.example"})
	var out strings.Builder
	err := run(context.Background(), []string{"loadtest", "recs", "-url", inst.URL, "-rate", "50", "-duration", "1s",
		"-warmup", "200ms", "-tenants", "1", "-users", "30", "-products", "40", "-email", "lt@loadtest.example"}, func(string) string { return "" }, nil, &out, io.Discard)
	if err != nil {
		t.Fatalf("loadtest recs: %v\n%s", err, out.String())
	}
	if !regexp.MustCompile(`warm-up        200ms at the same rate, \d+ requests, not in the figures below; status codes map\[200:\d+\]\n`).MatchString(out.String()) ||
		!regexp.MustCompile(`status codes   map\[200:\d+\]\n`).MatchString(out.String()) || !strings.Contains(out.String(), "p95") {
		t.Errorf("loadtest recs output:\n%s", out.String())
	}
}
