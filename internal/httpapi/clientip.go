package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIP is the address a request came from: the connection's peer, or, when the peer
// is a trusted proxy (Config.TrustedProxies), the address the proxies recorded in
// X-Forwarded-For: the right-most one that is not itself a trusted proxy. A client may
// write anything into that header, but what it writes lies to the left of what the
// proxies append, so it is taken only if every proxy that handled it is trusted. Behind
// an untrusted proxy every client shares its address: the sign-in and sign-up budgets
// per address would then be the whole platform's, so a deployment behind a load balancer
// must name it.
func clientIP(r *http.Request, trusted []netip.Prefix) string {
	peer := r.RemoteAddr
	if host, _, err := net.SplitHostPort(peer); err == nil {
		peer = host
	}
	addr, err := netip.ParseAddr(peer)
	if err != nil || !isTrusted(addr, trusted) {
		return peer
	}
	hops := r.Header.Values("X-Forwarded-For")
	for i := len(hops) - 1; i >= 0; i-- {
		list := strings.Split(hops[i], ",")
		for j := len(list) - 1; j >= 0; j-- {
			hop, err := parseHop(list[j])
			if err != nil {
				return addr.String() // not written by a proxy of ours: the last hop we can vouch for
			}
			addr = hop.Unmap()
			if !isTrusted(addr, trusted) {
				return addr.String()
			}
		}
	}
	return addr.String()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads one X-Forwarded-For entry: an address, or an address and port as some
// proxies write it (198.51.100.7:5555, [2001:db8::1]:443).
func parseHop(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), nil
	}
	return netip.ParseAddr(s)
}
