package recom

import (
	"context"
	"log/slog"
)

// Principal is who is calling: an admin (dashboard) or a tenant's API key.
type Principal struct {
	AdminID string
	Role    Role
	Email   string

	TenantID     string
	TenantConfig TenantConfig // as of the key's resolution (at most auth.KeyTTL old)
	KeyID        string
	Permissions  Permission
	KeyType      KeyType
}

type principalKey struct{}

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// PrincipalFrom returns the principal in ctx and whether there is one.
func PrincipalFrom(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

type requestIDKey struct{}

// WithRequestID returns ctx carrying the request's correlation ID (X-Request-ID).
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey{}, id)
}

// RequestID returns the correlation ID in ctx, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogAttrs are what every log line written while serving a request carries from its
// context: the correlation ID, as requestId (for logging.New).
func LogAttrs(ctx context.Context) []slog.Attr {
	if id := RequestID(ctx); id != "" {
		return []slog.Attr{slog.String("requestId", id)}
	}
	return nil
}
