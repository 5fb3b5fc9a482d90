package api

import (
	"io/fs"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

func TestDocsHandler(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("GET /docs/", DocsHandler()) // as the server mounts it
	tests := []struct {
		method, path string
		wantStatus   int
		wantType     string // prefix of Content-Type
		wantCache    string
		wantBody     string
		wantLocation string
	}{
		{"GET", "/docs/", 200, "text/html", "no-cache", `<script src="init.js"></script>`, ""},
		{"HEAD", "/docs/", 200, "text/html", "no-cache", "", ""},
		{"GET", "/docs", 307, "", "", "", "/docs/"}, // ServeMux redirects a subtree root itself
		{"GET", "/docs/index.html", 301, "", "", "", "./"},
		{"GET", "/docs/init.js", 200, "text/javascript", "no-cache", "validatorUrl: null", ""},
		{"GET", "/docs/swagger-ui-bundle.js?v=1", 200, "text/javascript", "public, max-age=31536000, immutable", "SwaggerUIBundle", ""},
		{"GET", "/docs/swagger-ui.css", 200, "text/css", "public, max-age=31536000, immutable", ".swagger-ui", ""},
		{"GET", "/docs/LICENSE", 200, "text/plain", "no-cache", "Apache License", ""},
		{"GET", "/docs/missing.js", 404, "", "", "", ""},
		{"POST", "/docs/", 405, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); !strings.HasPrefix(got, tt.wantType) {
				t.Errorf("Content-Type = %q, want prefix %q", got, tt.wantType)
			}
			if got := rec.Header().Get("Cache-Control"); tt.wantCache != "" && got != tt.wantCache {
				t.Errorf("Cache-Control = %q, want %q", got, tt.wantCache)
			}
			if !strings.Contains(rec.Body.String(), tt.wantBody) {
				t.Errorf("body does not contain %q", tt.wantBody)
			}
			if got := rec.Header().Get("Location"); got != tt.wantLocation {
				t.Errorf("Location = %q, want %q", got, tt.wantLocation)
			}
		})
	}
}

// The handler itself also answers methods and paths the mux pattern would keep from it.
func TestDocsHandlerDirect(t *testing.T) {
	h := DocsHandler()
	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{"GET", "/docs", 301},
		{"DELETE", "/docs/init.js", 405},
		{"GET", "/elsewhere", 404},
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
		if rec.Code != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.want)
		}
		if tt.want == 405 && rec.Header().Get("Allow") != "GET, HEAD" {
			t.Errorf("%s %s: Allow = %q", tt.method, tt.path, rec.Header().Get("Allow"))
		}
	}
}

func TestDocsHandlerETag(t *testing.T) {
	h := DocsHandler()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/docs/init.js", nil))
	tag := rec.Header().Get("ETag")
	if !strings.HasPrefix(tag, `"`) || len(tag) < 10 {
		t.Fatalf("ETag = %q, want a strong ETag", tag)
	}
	for range 2 { // the second time from the cache
		req := httptest.NewRequest("GET", "/docs/init.js", nil)
		req.Header.Set("If-None-Match", tag)
		rec = httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusNotModified {
			t.Fatalf("revalidation with the ETag = %d, want 304", rec.Code)
		}
	}
}

// The page must work offline and under script-src 'self': everything it loads is ours.
func TestDocsOffline(t *testing.T) {
	page, err := fs.ReadFile(docsFiles, "docs/index.html")
	if err != nil {
		t.Fatal(err)
	}
	if regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).Match(page) {
		t.Error("index.html loads something from another origin")
	}
	if regexp.MustCompile(`(?i)<script>|<script[^>]*>[^<]+</script>|\son[a-z]+="|<style`).Match(page) {
		t.Error("index.html has an inline script, event handler or style block")
	}
	// scripts/vendor-docs.sh keeps the ?v= cache buster in step with the vendored version.
	notice, err := fs.ReadFile(docsFiles, "docs/NOTICE")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`swagger-ui-dist@([0-9][0-9A-Za-z.-]*)`).FindSubmatch(notice)
	if m == nil {
		t.Fatal("NOTICE does not name swagger-ui-dist@VERSION")
	}
	for _, asset := range []string{"swagger-ui-bundle.js", "swagger-ui.css"} {
		if want := asset + "?v=" + string(m[1]); !strings.Contains(string(page), want) {
			t.Errorf("index.html does not ask for %s", want)
		}
	}
}
