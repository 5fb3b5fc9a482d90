// Package sdk serves the browser SDK, recomengine.v1.js, built by esbuild into dist/ and
// embedded in the binary (DESIGN §7). It imports nothing of ours.
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
	"strings"
)

// dist is the SDK build. A fresh clone holds only dist/.gitkeep (hence all:), so the
// binary builds without Node and then answers 404 for the SDK.
//
//go:embed all:dist
var dist embed.FS

// FileName is the bundle's name: the major version is in it, so a breaking SDK is a new
// file and pages keep the one they were written for.
const FileName = "recomengine.v1.js"

// Handler serves the bundle from the embedded build.
func Handler() http.Handler {
	b, err := fs.ReadFile(dist, "dist/"+FileName)
	if err != nil {
		return newHandler(nil)
	}
	return newHandler(b)
}

// bundle serves one script, gzipped to clients that take it (every browser): the size
// budget is the gzip size, so that is what a shop's shoppers download.
type bundle struct {
	plain, gzipped []byte // nil: not built
	etag           string
}

func newHandler(script []byte) *bundle {
	if script == nil {
		return &bundle{}
	}
	var z bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	zw.Write(script) // a bytes.Buffer does not fail
	zw.Close()
	sum := sha256.Sum256(script)
	return &bundle{plain: script, gzipped: z.Bytes(), etag: `"` + hex.EncodeToString(sum[:16]) + `"`}
}

func (b *bundle) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	if b.plain == nil {
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Cache-Control", "no-store") // a later build must show at once
		w.WriteHeader(http.StatusNotFound)
		w.Write([]byte("The SDK is not built: run make build with Node installed.\n"))
		return
	}
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	// One hour: v1 is the name of every compatible release, so a fix must reach shops
	// the same day; revalidating after that costs a 304.
	h.Set("Cache-Control", "public, max-age=3600, stale-while-revalidate=86400")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin") // loaded by shops on other sites
	h.Set("ETag", b.etag)
	h.Add("Vary", "Accept-Encoding")
	if matches(r.Header.Get("If-None-Match"), b.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := b.plain
	if acceptsGzip(r.Header.Get("Accept-Encoding")) {
		h.Set("Content-Encoding", "gzip")
		body = b.gzipped
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		w.Write(body)
	}
}

// matches reports whether an If-None-Match header names etag (or is *).
func matches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// acceptsGzip reports whether an Accept-Encoding header takes gzip (not with q=0).
func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}
