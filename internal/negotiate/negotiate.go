// Package negotiate reads the request headers of HTTP content negotiation and conditional
// requests that the API, the SDK bundle and the dashboard all answer. It imports nothing
// of ours.
package negotiate

import "strings"

// AcceptsGzip reports whether an Accept-Encoding header takes gzip (not with q=0).
func AcceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(coding), "gzip") {
			q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// ETagListed reports whether an If-None-Match header names etag (compared weakly, as
// RFC 9110 does for GET) or is *.
func ETagListed(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}
