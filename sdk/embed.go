// Package sdk serves the browser SDK, recomengine.v1.js, built by esbuild into dist/ and
// embedded in the binary (DESIGN §7). Of ours it imports only negotiate.
package sdk

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"strconv"

	"github.com/recomengine/recomengine/internal/negotiate"
)

// dist is the SDK build. A fresh clone holds only dist/.gitkeep (hence all:), so the
// binary builds without Node (and then has no SDK to serve).
//
//go:embed all:dist
var dist embed.FS

// FileName is the bundle's name: the major version is in it, so a breaking SDK is a new
// file and pages keep the one they were written for.
const FileName = "recomengine.v1.js"

// Handler serves the bundle from the embedded build, or is nil when the binary was built
// without it (no Node): the server then answers its path with a 404 problem.
func Handler() http.Handler {
	b, err := fs.ReadFile(dist, "dist/"+FileName)
	if err != nil {
		return nil
	}
	return newHandler(b)
}

// bundle serves one script, gzipped to clients that take it (every browser): the size
// budget is the gzip size, so that is what a shop's shoppers download. Each encoding has
// its own strong ETag, as RFC 9110 wants of different bytes (caches and ranges rely on it).
type bundle struct {
	plain, gzipped []byte
	etag           string // of plain; the gzipped one's is etagGzip
}

func newHandler(script []byte) *bundle {
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(script) // a bytes.Buffer does not fail
	zw.Close()
	sum := sha256.Sum256(script)
	return &bundle{plain: script, gzipped: z.Bytes(), etag: hex.EncodeToString(sum[:16])}
}

func (b *bundle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// One hour, then stale for a day while revalidated: v1 is the name of every
	// compatible release, so a fix must reach shops within the hour; revalidating costs
	// a 304.
	h.Set("Cache-Control", "public, max-age=3600, stale-while-revalidate=86400")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin") // loaded by shops on other sites
	h.Add("Vary", "Accept-Encoding")
	body, etag := b.plain, `"`+b.etag+`"`
	if negotiate.AcceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body, etag = b.gzipped, `"`+b.etag+`-gz"`
	}
	h.Set("ETag", etag)
	if negotiate.ETagListed(r.Header.Get("If-None-Match"), etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}
