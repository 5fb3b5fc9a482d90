package recom

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Role is an admin's role.
type Role string

// Roles (spec Key Entities).
const (
	RoleAdmin      Role = "admin"
	RoleSuperAdmin Role = "super_admin"
)

// Admin is a person who signs in to the dashboard and owns tenants.
type Admin struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"` // normalised: trimmed, lower-case
	PasswordHash string    `json:"-"`
	Role         Role      `json:"role"`
	CreatedAt    time.Time `json:"createdAt"`
}

// TenantStatus is a tenant's lifecycle state (FR-003).
type TenantStatus string

// Tenant states: active → suspended → active, any → deleted (soft).
const (
	TenantActive    TenantStatus = "active"
	TenantSuspended TenantStatus = "suspended"
	TenantDeleted   TenantStatus = "deleted"
)

// RateLimits are a tenant's per-key limits (NFR-007).
type RateLimits struct {
	ReadsPerMinute  int `json:"readsPerMinute"`
	WritesPerMinute int `json:"writesPerMinute"`
}

// TenantConfig is what a merchant tunes (DESIGN §2).
type TenantConfig struct {
	DefaultStrategy          string     `json:"defaultStrategy"`
	AllowedOrigins           []string   `json:"allowedOrigins"`
	ColdStartMinEvents       int        `json:"coldStartMinEvents"`
	AllowRepurchase          bool       `json:"allowRepurchase"` // false: what the user bought is not recommended
	AttributionWindowMinutes int        `json:"attributionWindowMinutes"`
	RateLimits               RateLimits `json:"rateLimits"`
	Currency                 string     `json:"currency"`
}

// DefaultTenantConfig is the configuration of a new tenant.
func DefaultTenantConfig() TenantConfig {
	return TenantConfig{
		DefaultStrategy:          "collaborative",
		AllowedOrigins:           []string{},
		ColdStartMinEvents:       5,
		AttributionWindowMinutes: 30,
		RateLimits:               RateLimits{ReadsPerMinute: 1000, WritesPerMinute: 500},
		Currency:                 "USD",
	}
}

// Tenant is one merchant's store; all its data is isolated from every other tenant (FR-004).
type Tenant struct {
	ID        string       `json:"id"`
	OwnerID   string       `json:"ownerId"`
	Name      string       `json:"name"`
	Status    TenantStatus `json:"status"`
	Config    TenantConfig `json:"config"`
	CreatedAt time.Time    `json:"createdAt"`
	UpdatedAt time.Time    `json:"updatedAt"`
}

// TenantFilter selects tenants for a list.
type TenantFilter struct {
	OwnerID        string // "" lists every owner's tenants (super admin)
	IncludeDeleted bool
	Page           Page
}

// AdminStore keeps admins. Admins are not tenant data.
type AdminStore interface {
	// CreateAdmin stores a new admin. Returns CodeConflict if the email is taken.
	CreateAdmin(ctx context.Context, a Admin) (Admin, error)
	// FindAdminByEmail returns CodeNotFound if no admin has the (normalised) email.
	FindAdminByEmail(ctx context.Context, email string) (Admin, error)
	// FindAdminByID returns CodeNotFound if there is no such admin.
	FindAdminByID(ctx context.Context, id string) (Admin, error)
}

// TenantStore keeps tenants. Ownership checks are the caller's (see Tenant.VisibleTo).
type TenantStore interface {
	// CreateTenant stores a new tenant.
	CreateTenant(ctx context.Context, t Tenant) (Tenant, error)
	// FindTenantByID returns CodeNotFound if there is no such tenant (deleted ones are found).
	FindTenantByID(ctx context.Context, tenantID string) (Tenant, error)
	// FindTenants lists tenants newest first, with the total matching the filter.
	FindTenants(ctx context.Context, f TenantFilter) ([]Tenant, int, error)
	// UpdateTenant replaces name, status and config of the tenant and sets UpdatedAt.
	// Returns CodeNotFound if there is no such tenant.
	UpdateTenant(ctx context.Context, t Tenant) (Tenant, error)
	// PurgeTenant deletes the tenant and every row of its data (catalog, events, keys,
	// models, analytics, experiments) in one transaction. Returns CodeNotFound if there is
	// no such tenant.
	PurgeTenant(ctx context.Context, tenantID string) error
}

// VisibleTo reports whether admin a may see tenant t: its owner, or any super admin.
func (t Tenant) VisibleTo(a Admin) bool {
	return a.Role == RoleSuperAdmin || t.OwnerID == a.ID
}

// RefreshToken is one link of a refresh-token family (DESIGN §2: rotated on every use,
// reuse of a rotated one revokes the family). Only a hash of the token is stored.
type RefreshToken struct {
	ID        string
	AdminID   string
	FamilyID  string
	Hash      []byte
	CreatedAt time.Time
	ExpiresAt time.Time
	RotatedAt *time.Time // set when exchanged for the next token
	RevokedAt *time.Time // set when its family is revoked (logout, reuse)
}

// RefreshTokenStore keeps refresh tokens.
type RefreshTokenStore interface {
	// CreateRefreshToken stores a new token.
	CreateRefreshToken(ctx context.Context, t RefreshToken) error
	// FindRefreshToken returns CodeNotFound if no token has the hash.
	FindRefreshToken(ctx context.Context, hash []byte) (RefreshToken, error)
	// RotateRefreshToken marks token oldID rotated and stores next, atomically. Returns
	// CodeConflict if oldID was already rotated or revoked (a reuse), storing nothing.
	RotateRefreshToken(ctx context.Context, oldID string, next RefreshToken) error
	// RevokeRefreshFamily revokes every token of the family not yet revoked.
	RevokeRefreshFamily(ctx context.Context, familyID string) error
}

// ErrTenantNotFound is the answer for a tenant that does not exist or is not the caller's.
var ErrTenantNotFound = Errorf(CodeNotFound, "Tenant not found.")

// TenantName validates and trims a tenant name.
func TenantName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 || !cleanText(name, false) {
		return "", Invalid(FieldError{Field: "name", Message: "must be 1 to 200 printable characters"})
	}
	return name, nil
}

// NewTenant returns an active tenant of the owner with the default configuration.
func NewTenant(ownerID, name string) (Tenant, error) {
	name, err := TenantName(name)
	if err != nil {
		return Tenant{}, err
	}
	now := Now()
	return Tenant{ID: NewID(), OwnerID: ownerID, Name: name, Status: TenantActive,
		Config: DefaultTenantConfig(), CreatedAt: now, UpdatedAt: now}, nil
}

// MoveTo changes the status along the lifecycle (FR-003): active ⇄ suspended, any →
// deleted. A deleted tenant stays deleted (a super admin purges it).
func (t *Tenant) MoveTo(s TenantStatus) error {
	switch {
	case s != TenantActive && s != TenantSuspended && s != TenantDeleted:
		return Invalid(FieldError{Field: "status", Message: "must be active, suspended or deleted"})
	case t.Status == TenantDeleted && s != TenantDeleted:
		return Errorf(CodeConflict, "A deleted tenant cannot be reactivated.")
	}
	t.Status = s
	return nil
}

// Strategies are the recommendation strategies (FR-014).
var Strategies = []string{"collaborative", "content_based", "trending", "frequently_bought_together"}

// Validate checks every field of the configuration and names each one at fault.
func (c TenantConfig) Validate() error {
	var fs []FieldError
	if !slices.Contains(Strategies, c.DefaultStrategy) {
		fs = append(fs, FieldError{Field: "config.defaultStrategy", Message: "must be one of " + strings.Join(Strategies, ", ")})
	}
	if len(c.AllowedOrigins) > 50 {
		fs = append(fs, FieldError{Field: "config.allowedOrigins", Message: "must have at most 50 origins"})
	}
	for i, o := range c.AllowedOrigins {
		if !validOrigin(o) {
			fs = append(fs, FieldError{Field: fmt.Sprintf("config.allowedOrigins[%d]", i),
				Message: "must be an origin like https://shop.example.com (scheme, host, optional port; no path)"})
		}
	}
	if c.ColdStartMinEvents < 0 || c.ColdStartMinEvents > 1000 {
		fs = append(fs, FieldError{Field: "config.coldStartMinEvents", Message: "must be between 0 and 1000"})
	}
	if c.AttributionWindowMinutes < 1 || c.AttributionWindowMinutes > 10080 {
		fs = append(fs, FieldError{Field: "config.attributionWindowMinutes", Message: "must be between 1 and 10080 (7 days)"})
	}
	if c.RateLimits.ReadsPerMinute < 1 || c.RateLimits.ReadsPerMinute > 1_000_000 {
		fs = append(fs, FieldError{Field: "config.rateLimits.readsPerMinute", Message: "must be between 1 and 1000000"})
	}
	if c.RateLimits.WritesPerMinute < 1 || c.RateLimits.WritesPerMinute > 1_000_000 {
		fs = append(fs, FieldError{Field: "config.rateLimits.writesPerMinute", Message: "must be between 1 and 1000000"})
	}
	if len(c.Currency) != 3 || strings.ToUpper(c.Currency) != c.Currency || strings.ContainsFunc(c.Currency, func(r rune) bool { return r < 'A' || r > 'Z' }) {
		fs = append(fs, FieldError{Field: "config.currency", Message: "must be an ISO 4217 code such as USD"})
	}
	if len(fs) > 0 {
		return Invalid(fs...)
	}
	return nil
}

// CanonicalOrigins writes each origin as browsers send it in Origin: scheme and host in
// lower case, no default port, no trailing slash (https://Shop.example:443/ →
// https://shop.example). What is no http(s) origin is left for Validate to refuse.
func CanonicalOrigins(origins []string) []string {
	out := make([]string, len(origins))
	for i, o := range origins {
		out[i] = o
		u, err := url.Parse(o) // lowers the scheme
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(u.Scheme)+3+len(u.Host) > len(o) {
			continue
		}
		scheme, host := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname())
		port, err := strconv.Atoi(u.Port())
		if u.Port() != "" && (err != nil || port < 1 || port > 65535) {
			continue
		}
		if port != 0 && !(scheme == "https" && port == 443) && !(scheme == "http" && port == 80) {
			host = net.JoinHostPort(host, strconv.Itoa(port)) // without leading zeros
		} else if strings.Contains(host, ":") {
			host = "[" + host + "]" // an IPv6 literal without its port
		}
		if rest := strings.TrimSuffix(o[len(u.Scheme)+3+len(u.Host):], "/"); rest == "" {
			out[i] = scheme + "://" + host
		}
	}
	return out
}

// validOrigin reports whether s is scheme://host[:port] with http or https, written as
// browsers send it in Origin (lower case, no default port), since it is compared with that
// header byte for byte.
func validOrigin(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	defaultPort := (u.Scheme == "https" && u.Port() == "443") || (u.Scheme == "http" && u.Port() == "80")
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != p {
			return false
		}
	}
	return (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && u.User == nil &&
		s == u.Scheme+"://"+u.Host && s == strings.ToLower(s) && !defaultPort
}

// ErrLimitsNeedOperator refuses a merchant raising its own rate limits: the defaults
// protect the platform (NFR-007); a platform operator grants more.
var ErrLimitsNeedOperator = Errorf(CodeForbidden,
	"Rate limits above 1000 reads and 500 writes a minute are granted by a platform operator; ask support to raise them.")

// SelfServiceLimits reports whether the rate limits are within what a tenant's own admin
// may set: at most the platform defaults.
func (c TenantConfig) SelfServiceLimits() bool {
	d := DefaultTenantConfig().RateLimits
	return c.RateLimits.ReadsPerMinute <= d.ReadsPerMinute && c.RateLimits.WritesPerMinute <= d.WritesPerMinute
}
