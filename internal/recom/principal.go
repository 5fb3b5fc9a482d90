package recom

import "context"

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
