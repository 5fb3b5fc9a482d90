package web

import (
	"compress/gzip"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

// built is a Vite build as it lands in dist/.
var built = fstest.MapFS{
	".gitkeep":                    {},
	"index.html":                  {Data: []byte(`<!doctype html><div id="root"></div><script type="module" src="/assets/index-Bx1.js"></script>`)},
	"favicon.svg":                 {Data: []byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`)},
	"assets/index-Bx1.js":         {Data: []byte(`console.log("app")`)},
	"assets/index-Cq2.css":        {Data: []byte(`body{margin:0}`)},
	"assets/fonts/inter-D3.woff2": {Data: []byte("wOF2")},
}

func get(t *testing.T, h http.Handler, method, target, accept string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

const navigation = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func TestHandlerBuilt(t *testing.T) {
	h := newHandler(built)
	tests := []struct {
		name, method, target, accept  string
		wantStatus                    int
		wantBody, wantType, wantCache string
	}{
		{"root", "GET", "/", navigation, 200, `<div id="root">`, "text/html", "no-cache"},
		{"index by name", "GET", "/index.html", "", 200, `<div id="root">`, "text/html", "no-cache"},
		{"SPA route", "GET", "/tenants/t1/analytics?from=2025-01-01", navigation, 200, `<div id="root">`, "text/html", "no-cache"},
		{"SPA route with a dot", "GET", "/tenants/t1/catalog/sku-1.2", navigation, 200, `<div id="root">`, "text/html", "no-cache"},
		{"SPA route, curl", "GET", "/experiments", "*/*", 200, `<div id="root">`, "text/html", "no-cache"},
		{"HEAD", "HEAD", "/experiments", "", 200, "", "text/html", "no-cache"},
		{"hashed script", "GET", "/assets/index-Bx1.js", "*/*", 200, `console.log("app")`, "text/javascript", "public, max-age=31536000, immutable"},
		{"hashed style", "GET", "/assets/index-Cq2.css", "text/css", 200, "body{margin:0}", "text/css", "public, max-age=31536000, immutable"},
		{"nested asset", "GET", "/assets/fonts/inter-D3.woff2", "*/*", 200, "wOF2", "", "public, max-age=31536000, immutable"},
		{"public file", "GET", "/favicon.svg", "image/*", 200, "<svg", "image/svg+xml", "no-cache"},
		{"asset of an old build", "GET", "/assets/index-Old.js", "*/*", 404, "", "", ""},
		{"asset folder", "GET", "/assets/", navigation, 404, "", "", ""},
		{"missing file", "GET", "/robots.txt", "*/*", 404, "", "", ""},
		{"unknown API path", "GET", "/api/v2/things", "application/json", 404, "", "", ""},
		{"dot file", "GET", "/.gitkeep", "*/*", 404, "", "", ""},
		{"escape attempt", "GET", "/../../etc/passwd", navigation, 200, `<div id="root">`, "text/html", "no-cache"},
		{"POST", "POST", "/tenants", "", 405, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, h, tt.method, tt.target, tt.accept)
			if rec.Code != tt.wantStatus {
				t.Fatalf("%s %s = %d, want %d", tt.method, tt.target, rec.Code, tt.wantStatus)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body %q does not contain %q", rec.Body.String(), tt.wantBody)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
				t.Errorf("Content-Type = %q, want prefix %q", got, tt.wantType)
			}
			if got := rec.Header().Get("Cache-Control"); got != tt.wantCache && tt.wantStatus == 200 {
				t.Errorf("Cache-Control = %q, want %q", got, tt.wantCache)
			}
		})
	}
}

func TestHandlerRevalidates(t *testing.T) {
	h := newHandler(built)
	tag := get(t, h, "GET", "/some/route", navigation).Header().Get("ETag")
	if tag == "" {
		t.Fatal("index.html served without an ETag")
	}
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("If-None-Match", tag)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET / with If-None-Match of the index = %d, want 304", rec.Code)
	}
}

// noSeekFS hides Seek, as an fs.FS other than embed.FS or MapFS may.
type noSeekFS struct{ fs.FS }

type noSeekFile struct{ fs.File }

func (f noSeekFS) Open(name string) (fs.File, error) {
	file, err := f.FS.Open(name)
	return noSeekFile{file}, err
}

func TestHandlerWithoutSeek(t *testing.T) {
	rec := get(t, newHandler(noSeekFS{built}), "GET", "/assets/index-Cq2.css", "")
	if rec.Code != 200 || rec.Body.String() != "body{margin:0}" {
		t.Errorf("GET = %d %q, want 200 with the file", rec.Code, rec.Body.String())
	}
}

func TestHandlerNotBuilt(t *testing.T) {
	// A fresh clone: dist holds only .gitkeep.
	h := newHandler(fstest.MapFS{".gitkeep": {}})
	for _, target := range []string{"/", "/index.html", "/tenants/t1"} {
		rec := get(t, h, "GET", target, navigation)
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s = %d, want 200", target, rec.Code)
		}
		body := rec.Body.String()
		for _, want := range []string{"RecomEngine is running", "make run", `href="/docs/"`, `href="/healthz"`} {
			if !strings.Contains(body, want) {
				t.Errorf("GET %s: the not-built page does not contain %q", target, want)
			}
		}
		if strings.Contains(body, "<script") || strings.Contains(body, "<style") || strings.Contains(body, "style=") {
			t.Errorf("GET %s: the not-built page must work under a strict CSP", target)
		}
		if got := rec.Header().Get("Content-Type"); got != "text/html; charset=utf-8" {
			t.Errorf("Content-Type = %q", got)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control = %q, want no-store", got)
		}
	}
	if rec := get(t, h, "GET", "/assets/index-Bx1.js", "*/*"); rec.Code != http.StatusNotFound {
		t.Errorf("asset without a build = %d, want 404", rec.Code)
	}
}

// The embedded dist either holds a build or not; both answer GET / with a page.
func TestHandlerEmbedded(t *testing.T) {
	rec := get(t, Handler(), "GET", "/", navigation)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
		t.Errorf("GET / = %d %q, want 200 text/html", rec.Code, rec.Header().Get("Content-Type"))
	}
}

// TestHandlerGzips: the app's script goes gzipped to browsers, with an ETag of its own,
// and as it is to a client refusing gzip; small files and pictures go as they are.
func TestHandlerGzips(t *testing.T) {
	script := strings.Repeat(`console.log("a dashboard of some size");`, 200)
	h := newHandler(fstest.MapFS{
		"index.html":          {Data: []byte(`<!doctype html><div id="root"></div>`)},
		"assets/index-Bx1.js": {Data: []byte(script)},
		"assets/logo-C1.png":  {Data: []byte(strings.Repeat("\x89PNG", 400))},
	})
	gzipped := func(target string, header ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", target, nil)
		req.Header.Set("Accept-Encoding", "gzip, br")
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	rec := gzipped("/assets/index-Bx1.js")
	if rec.Code != 200 || rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" ||
		rec.Header().Get("Cache-Control") != "public, max-age=31536000, immutable" || rec.Header().Get("Vary") != "Accept-Encoding" {
		t.Fatalf("the script: %d %v", rec.Code, rec.Header())
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != script {
		t.Error("the gunzipped script differs")
	}
	tag := rec.Header().Get("ETag")
	if again := gzipped("/assets/index-Bx1.js", "If-None-Match", tag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("revalidating the gzipped script: %d", again.Code)
	}
	plain := get(t, h, "GET", "/assets/index-Bx1.js", "")
	if plain.Header().Get("Content-Encoding") != "" || plain.Body.String() != script || plain.Header().Get("ETag") == tag {
		t.Errorf("the script without gzip: encoding %q, ETag %q (gzip's %q)", plain.Header().Get("Content-Encoding"), plain.Header().Get("ETag"), tag)
	}
	for _, target := range []string{"/", "/assets/logo-C1.png"} {
		if rec := gzipped(target); rec.Code != 200 || rec.Header().Get("Content-Encoding") != "" {
			t.Errorf("%s: %d, encoding %q", target, rec.Code, rec.Header().Get("Content-Encoding"))
		}
	}
}
