package negotiate

import "testing"

func TestAcceptsGzip(t *testing.T) {
	for header, want := range map[string]bool{"gzip, deflate, br": true, "GZIP": true, "br;q=1, gzip;q=0.5": true,
		"gzip;q=0": false, "gzip; q=0.000, identity": false, "identity": false, "": false, "x-gzip": false} {
		if got := AcceptsGzip(header); got != want {
			t.Errorf("AcceptsGzip(%q) = %v", header, got)
		}
	}
}

func TestETagListed(t *testing.T) {
	for header, want := range map[string]bool{`"a"`: true, `W/"a"`: true, `"b", "a"`: true, `*`: true, `"b"`: false, ``: false, `"a-gz"`: false} {
		if got := ETagListed(header, `"a"`); got != want {
			t.Errorf("ETagListed(%q) = %v", header, got)
		}
	}
}
