package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

// TestClientIPBehindProxies: the client's address is the peer's unless the peer is a
// trusted proxy; then the right-most X-Forwarded-For address no trusted proxy holds, so
// what a client writes into the header itself is never believed.
func TestClientIPBehindProxies(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8::/32")}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"no proxy", "203.0.113.7:5555", nil, "203.0.113.7"},
		{"an untrusted peer's header is ignored", "203.0.113.7:5555", []string{"1.2.3.4"}, "203.0.113.7"},
		{"behind the load balancer", "10.1.2.3:4000", []string{"198.51.100.9"}, "198.51.100.9"},
		{"a spoofed entry left of the real one", "10.1.2.3:4000", []string{"6.6.6.6, 198.51.100.9"}, "198.51.100.9"},
		{"two trusted proxies", "10.1.2.3:4000", []string{"198.51.100.9, 10.9.9.9"}, "198.51.100.9"},
		{"headers given twice", "10.1.2.3:4000", []string{"6.6.6.6", "198.51.100.9"}, "198.51.100.9"},
		{"a balancer writing ip:port", "10.1.2.3:4000", []string{"198.51.100.9:5555"}, "198.51.100.9"},
		{"IPv6 with a port", "10.1.2.3:4000", []string{"[2001:db9::5]:443"}, "2001:db9::5"},
		{"garbage the proxy did not write", "10.1.2.3:4000", []string{"198.51.100.9, not-an-ip"}, "10.1.2.3"},
		{"only trusted hops", "10.1.2.3:4000", []string{"10.7.7.7"}, "10.7.7.7"},
		{"IPv6", "[2001:db8::1]:443", []string{"2001:db9::5"}, "2001:db9::5"},
		{"trusted peer, no header", "10.1.2.3:4000", nil, "10.1.2.3"},
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = tc.peer
		for _, v := range tc.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientIP(r, trusted); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.name, got, tc.want)
		}
	}
}
