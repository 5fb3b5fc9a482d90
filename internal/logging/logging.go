// Package logging builds the JSON slog logger every part of RecomEngine writes to, with PII
// redaction applied to every record (NFR-011): emails, API keys, tokens and passwords never
// reach the log, and IP addresses are truncated. It imports nothing of ours.
package logging

import (
	"context"
	"io"
	"log/slog"
	"net/netip"
	"regexp"
	"slices"
	"strings"
)

const redacted = "[REDACTED]"

// New returns a JSON logger at the given level ("debug", "info", "warn", "error"). Each
// fromContext adds to every record logged with a context (the *Context methods) the
// attributes it finds there, such as the request's correlation ID (NFR-011), unless the
// record has an attribute of that name already.
func New(w io.Writer, level string, fromContext ...func(context.Context) []slog.Attr) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(level)); err != nil {
		l = slog.LevelInfo
	}
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l, ReplaceAttr: redactAttr})
	if len(fromContext) > 0 {
		h = contextHandler{Handler: h, fromContext: fromContext}
	}
	return slog.New(h)
}

// contextHandler adds the attributes its functions find in a record's context, unless
// the record or the logger (With) has one of that name. Under a group (WithGroup) they
// land in the group, as every attribute of the record does.
type contextHandler struct {
	slog.Handler
	fromContext []func(context.Context) []slog.Attr
	has         []string // names given by With outside any group
	grouped     bool
}

func (h contextHandler) Handle(ctx context.Context, r slog.Record) error {
	for _, f := range h.fromContext {
		for _, a := range f(ctx) {
			has := slices.Contains(h.has, a.Key)
			r.Attrs(func(b slog.Attr) bool { has = has || b.Key == a.Key; return !has })
			if !has {
				r.AddAttrs(a)
			}
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h contextHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := h
	c.Handler = h.Handler.WithAttrs(as)
	if !h.grouped {
		c.has = slices.Clip(h.has)
		for _, a := range as {
			c.has = append(c.has, a.Key)
		}
	}
	return c
}

func (h contextHandler) WithGroup(name string) slog.Handler {
	c := h
	c.Handler, c.grouped = h.Handler.WithGroup(name), h.grouped || name != ""
	return c
}

// secretKeys are attribute names whose values are always hidden.
var secretKeys = map[string]bool{
	"password": true, "token": true, "authorization": true, "cookie": true, "set-cookie": true,
	"apikey": true, "api_key": true, "x-api-key": true, "secret": true, "key": true,
	"refreshtoken": true, "jwt": true, "pepper": true,
}

// ipKeys are attribute names holding a client address, truncated rather than hidden.
var ipKeys = map[string]bool{"ip": true, "remoteaddr": true, "remote_addr": true, "clientip": true}

func redactAttr(_ []string, a slog.Attr) slog.Attr {
	k := strings.ToLower(a.Key)
	switch {
	case secretKeys[k]:
		return slog.String(a.Key, redacted)
	case ipKeys[k]:
		return slog.String(a.Key, TruncateIP(a.Value.String()))
	}
	if a.Value.Kind() == slog.KindString {
		return slog.String(a.Key, Redact(a.Value.String()))
	}
	if a.Value.Kind() == slog.KindAny {
		if err, ok := a.Value.Any().(error); ok {
			return slog.String(a.Key, Redact(err.Error()))
		}
	}
	return a
}

var (
	emailRE  = regexp.MustCompile(`[A-Za-z0-9._%+\-]+(@|%40)[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
	apiKeyRE = regexp.MustCompile(`rk_(live|pub)_[A-Za-z0-9_\-]+`)
	jwtRE    = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*`)
	bearerRE = regexp.MustCompile(`(?i)(bearer\s+)\S+`)
	// query parameters that carry secrets, in URLs that are logged
	secretParamRE = regexp.MustCompile(`(?i)([?&](?:password|token|api_?key|key|secret)=)[^&\s]*`)
)

// Redact hides emails, API keys, JWTs, bearer credentials and secret query parameters in s.
func Redact(s string) string {
	// Each pattern runs only when a literal it needs is present: logging a request must
	// stay cheap at tens of thousands of requests a second.
	if strings.Contains(s, "rk_") {
		s = apiKeyRE.ReplaceAllString(s, "rk_$1_"+redacted)
	}
	if strings.Contains(s, "eyJ") {
		s = jwtRE.ReplaceAllString(s, redacted)
	}
	if containsFold(s, "bearer") { // any case: "BEARER x" is a credential too
		s = bearerRE.ReplaceAllString(s, "${1}"+redacted)
	}
	if strings.Contains(s, "@") || strings.Contains(s, "%40") {
		s = emailRE.ReplaceAllString(s, redacted)
	}
	if containsFold(s, "key=") || containsFold(s, "token=") || containsFold(s, "password=") || containsFold(s, "secret=") {
		s = secretParamRE.ReplaceAllString(s, "${1}"+redacted)
	}
	return s
}

// containsFold says whether s holds sub (lower-case ASCII letters) in any case, without
// copying s.
func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i]|0x20 == sub[0] && strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// TruncateIP keeps the network part of an address: /24 of IPv4, /48 of IPv6. Ports are
// dropped; anything unparsable is hidden.
func TruncateIP(s string) string {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		s = ap.Addr().String()
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		return redacted
	}
	bits := 24
	if addr.Is6() && !addr.Is4In6() {
		bits = 48
	}
	p, _ := addr.Unmap().Prefix(bits)
	return p.String()
}
