package sdk

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

const script = `(()=>{window.recomengine=window.recomengine||[]})();`

func serve(h http.Handler, header ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest("GET", "/sdk/"+FileName, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// TestServesTheBundle: browsers get it gzipped, with a cache lifetime and an ETag that
// turns a revalidation into a 304; other sites may load it.
func TestServesTheBundle(t *testing.T) {
	h := newHandler([]byte(script))
	rec := serve(h, "Accept-Encoding", "gzip, deflate, br")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("GET: %d, encoding %q", rec.Code, rec.Header().Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); string(got) != script {
		t.Errorf("gunzipped body %q", got)
	}
	for header, want := range map[string]string{"Content-Type": "text/javascript; charset=utf-8",
		"Cache-Control": "public, max-age=3600, stale-while-revalidate=86400", "Cross-Origin-Resource-Policy": "cross-origin",
		"Vary": "Accept-Encoding"} {
		if got := rec.Header().Get(header); got != want {
			t.Errorf("%s: %q, want %q", header, got, want)
		}
	}
	etag := rec.Header().Get("ETag")
	if again := serve(h, "Accept-Encoding", "gzip", "If-None-Match", etag); again.Code != http.StatusNotModified || again.Body.Len() != 0 {
		t.Errorf("revalidation with the ETag: %d, %d bytes", again.Code, again.Body.Len())
	}
	if plain := serve(h, "Accept-Encoding", "gzip;q=0, identity"); plain.Code != http.StatusOK ||
		plain.Header().Get("Content-Encoding") != "" || !bytes.Equal(plain.Body.Bytes(), []byte(script)) {
		t.Errorf("a client refusing gzip: %d, encoding %q, %q", plain.Code, plain.Header().Get("Content-Encoding"), plain.Body)
	}
	if stale := serve(h, "If-None-Match", `"an-older-build"`); stale.Code != http.StatusOK {
		t.Errorf("revalidation with another build's ETag: %d", stale.Code)
	}
}

// TestEncodingsHaveTheirOwnETag: the gzipped and the plain bytes are different
// representations, so a cache never answers one's revalidation with the other.
func TestEncodingsHaveTheirOwnETag(t *testing.T) {
	h := newHandler([]byte(script))
	zipped, plain := serve(h, "Accept-Encoding", "gzip").Header().Get("ETag"), serve(h).Header().Get("ETag")
	if zipped == plain || zipped == "" || plain == "" {
		t.Fatalf("ETags: gzip %q, plain %q", zipped, plain)
	}
	if rec := serve(h, "If-None-Match", zipped); rec.Code != http.StatusOK {
		t.Errorf("the plain bytes revalidated with the gzip ETag: %d", rec.Code)
	}
	if rec := serve(h, "Accept-Encoding", "gzip", "If-None-Match", `W/`+zipped+`, "x"`); rec.Code != http.StatusNotModified {
		t.Errorf("the gzip bytes revalidated with a list holding their ETag: %d", rec.Code)
	}
}
