// Package web serves the dashboard, a Vite + React single-page app whose build output
// (dist/) is embedded in the binary. Of ours it imports only negotiate.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/recomengine/recomengine/internal/negotiate"
)

// dist is the dashboard build. A fresh clone holds only dist/.gitkeep (hence all:), so
// the binary builds without Node and then serves the not-built page.
//
//go:embed all:dist
var dist embed.FS

// Handler serves the embedded dashboard at /: files as they are, hashed files under
// /assets/ with a one-year cache, and index.html for every other GET path (SPA routes).
// Without a build it answers a small page saying so.
func Handler() http.Handler {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic("web: dist: " + err.Error()) // the embed pattern guarantees the folder
	}
	return newHandler(sub)
}

// spa serves a Vite build from fsys.
type spa struct {
	fsys  fs.FS
	etags sync.Map // file name → quoted ETag, computed on first request
	gz    sync.Map // file name → gzFile, made on first request
}

func newHandler(fsys fs.FS) http.Handler { return &spa{fsys: fsys} }

func (s *spa) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("X-Content-Type-Options", "nosniff")
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name != "" && s.serveFile(w, r, name) {
		return
	}
	// A missing asset or API resource must not come back as a 200 HTML page: a stale tab
	// would run it as a script, an API client parse it as JSON. A route may still hold a
	// dot (a product ID), so a name with an extension falls back only for a browser
	// navigation, which asks for text/html.
	if under(name, "assets") || under(name, "api") ||
		(path.Ext(name) != "" && !strings.Contains(r.Header.Get("Accept"), "text/html")) {
		http.NotFound(w, r)
		return
	}
	if !s.serveFile(w, r, "index.html") {
		notBuilt(w)
	}
}

// under reports whether the cleaned name is dir or inside it.
func under(name, dir string) bool {
	return name == dir || strings.HasPrefix(name, dir+"/")
}

// serveFile serves the regular file name from the build, reporting false when there is
// none. Dot files (dist/.gitkeep) are not part of the build.
func (s *spa) serveFile(w http.ResponseWriter, r *http.Request, name string) bool {
	for _, part := range strings.Split(name, "/") {
		if strings.HasPrefix(part, ".") {
			return false
		}
	}
	f, err := s.fsys.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() {
		return false // a directory is not a file: the SPA route fallback applies
	}
	content, ok := f.(io.ReadSeeker) // embed.FS and fstest.MapFS files are
	if !ok {
		b, err := io.ReadAll(f)
		if err != nil {
			return false
		}
		content = bytes.NewReader(b)
	}
	tag, ok := s.etag(name)
	if !ok {
		return false
	}
	w.Header().Add("Vary", "Accept-Encoding")
	if strings.HasPrefix(name, "assets/") {
		// Vite puts a content hash in every name under assets/: a new build means new names.
		w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		w.Header().Set("Cache-Control", "no-cache") // index.html and public/ files: revalidate
	}
	if gz, gzTag, ok := s.gzipped(name); ok && negotiate.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		// The app's script is ~400 KB, ~125 KB gzipped: what a first visit waits for
		// (LCP, DESIGN §9). Its own ETag: different bytes (RFC 9110).
		h := w.Header()
		h.Set("ETag", gzTag)
		if negotiate.ETagListed(r.Header.Get("If-None-Match"), gzTag) {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
		h.Set("Content-Type", contentType(name))
		h.Set("Content-Encoding", "gzip")
		h.Set("Content-Length", strconv.Itoa(len(gz)))
		w.WriteHeader(http.StatusOK)
		if r.Method != http.MethodHead {
			w.Write(gz)
		}
		return true
	}
	w.Header().Set("ETag", tag)
	http.ServeContent(w, r, name, time.Time{}, content)
	return true
}

// compressible are the file types worth gzipping; images and fonts are compressed already.
var compressible = map[string]string{".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
	".html": "text/html; charset=utf-8", ".svg": "image/svg+xml", ".json": "application/json", ".txt": "text/plain; charset=utf-8"}

func contentType(name string) string { return compressible[path.Ext(name)] }

// gzipped returns a file's gzip encoding and its ETag, made on first use; false for a type
// not worth compressing or a file too small to gain.
func (s *spa) gzipped(name string) ([]byte, string, bool) {
	if _, ok := compressible[path.Ext(name)]; !ok {
		return nil, "", false
	}
	if v, ok := s.gz.Load(name); ok {
		g := v.(gzFile)
		return g.body, g.etag, g.body != nil
	}
	b, err := fs.ReadFile(s.fsys, name)
	if err != nil || len(b) < 1024 {
		s.gz.Store(name, gzFile{})
		return nil, "", false
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(b) // a bytes.Buffer does not fail
	zw.Close()
	sum := sha256.Sum256(b)
	g := gzFile{body: z.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `-gz"`}
	s.gz.Store(name, g)
	return g.body, g.etag, true
}

// gzFile is a file's gzip encoding; body nil: not worth one.
type gzFile struct {
	body []byte
	etag string
}

// etag returns the strong ETag of a file, hashing it on first use only.
func (s *spa) etag(name string) (string, bool) {
	if tag, ok := s.etags.Load(name); ok {
		return tag.(string), true
	}
	b, err := fs.ReadFile(s.fsys, name)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(b)
	tag := `"` + hex.EncodeToString(sum[:16]) + `"`
	s.etags.Store(name, tag)
	return tag, true
}

// notBuilt answers 200 so health checks and "is it up?" curls pass on a binary built
// without Node. The page is self-contained, with no inline script or style, so it
// works under the strictest CSP.
func notBuilt(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store") // a later build must show at once
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, notBuiltPage)
}

const notBuiltPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>RecomEngine</title>
</head>
<body>
<main>
<h1>RecomEngine is running</h1>
<p>The dashboard is not built into this binary. Run <code>make run</code> with Node installed to build it.</p>
<ul>
<li><a href="/docs/">API reference</a></li>
<li><a href="/healthz">Health check</a></li>
</ul>
</main>
</body>
</html>
`
