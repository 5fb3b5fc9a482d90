package api

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strings"
	"sync"
)

// docsFiles holds the offline API reference: Swagger UI vendored from npm (see
// docs/NOTICE and scripts/vendor-docs.sh) plus our index.html and init.js.
//
//go:embed docs
var docsFiles embed.FS

// DocsCSP is a Content-Security-Policy under which /docs renders and works, checked in
// Chromium 156 with Swagger UI 5.35.0, every operation, model and "Try it out" opened.
// Swagger UI needs no inline script and no inline style (React sets its style
// attributes through the CSSOM, which style-src does not govern); its CSS draws icons
// from data: URLs, hence img-src data:.
const DocsCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// docsVendored names the files that are only replaced by scripts/vendor-docs.sh, which
// also bumps the ?v= query index.html asks for them with: they may be cached for long.
var docsVendored = map[string]bool{
	"swagger-ui-bundle.js": true,
	"swagger-ui.css":       true,
}

// DocsHandler serves the API reference under the URL prefix /docs/: GET /docs/ is the
// Swagger UI page, which renders /api/v1/openapi.json and makes no other request. Mount
// it at "GET /docs/"; a request for /docs is redirected to /docs/ so the page's relative
// asset URLs resolve.
func DocsHandler() http.Handler {
	sub, err := fs.Sub(docsFiles, "docs")
	if err != nil {
		panic("api: docs: " + err.Error()) // the embed pattern guarantees the folder
	}
	return newDocsHandler(sub)
}

func newDocsHandler(fsys fs.FS) http.Handler {
	files := http.StripPrefix("/docs/", http.FileServerFS(fsys))
	var etags sync.Map // file name → quoted ETag, computed on first request
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
			return
		}
		if r.URL.Path == "/docs" {
			http.Redirect(w, r, "/docs/", http.StatusMovedPermanently)
			return
		}
		name, ok := strings.CutPrefix(r.URL.Path, "/docs/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		if name == "" {
			name = "index.html"
		}
		if tag, ok := docsETag(fsys, &etags, name); ok {
			w.Header().Set("ETag", tag)
		}
		if docsVendored[name] {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache") // ours: revalidate with the ETag
		}
		w.Header().Set("X-Content-Type-Options", "nosniff")
		files.ServeHTTP(w, r)
	})
}

// docsETag returns the strong ETag of a file in fsys, reporting false when there is no
// such regular file (the file server then answers 404 itself).
func docsETag(fsys fs.FS, cache *sync.Map, name string) (string, bool) {
	if tag, ok := cache.Load(name); ok {
		return tag.(string), true
	}
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(b)
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	cache.Store(name, tag)
	return tag, true
}
