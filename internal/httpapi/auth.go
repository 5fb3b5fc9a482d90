package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/recomengine/recomengine/internal/auth"
	"github.com/recomengine/recomengine/internal/recom"
)

// refreshCookie is the name of the refresh-token cookie (FR-002).
const refreshCookie = "recom_refresh"

type credentials struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type session struct {
	Token     string      `json:"token"`
	ExpiresAt time.Time   `json:"expiresAt"`
	User      recom.Admin `json:"user"`
}

// handleSignup serves POST /api/v1/auth/signup (US1-1, FR-001).
func (s *server) handleSignup() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		in, err := decode[credentials](r)
		if err != nil {
			return err
		}
		if err := s.throttle(r, "signup:ip:"+clientIP(r, s.Config.TrustedProxies), signupPerIP, "sign-up"); err != nil {
			return err
		}
		email := auth.NormalizeEmail(in.Email)
		if !auth.ValidEmail(email) {
			return recom.Invalid(recom.FieldError{Field: "email", Message: "must be an email address such as jane@shop.example"})
		}
		if err := checkPassword(in.Password, email); err != nil {
			return err
		}
		hash, err := auth.HashPassword(in.Password, s.Config.BcryptCost)
		if err != nil {
			return err
		}
		role := recom.RoleAdmin
		if slices.Contains(s.Config.SuperAdminEmails, email) {
			role = recom.RoleSuperAdmin
		}
		a, err := s.Stores.Admins.CreateAdmin(r.Context(), recom.Admin{
			ID: recom.NewID(), Email: email, PasswordHash: hash, Role: role, CreatedAt: recom.Now()})
		if err != nil {
			return err
		}
		return s.startSession(w, r, a, http.StatusCreated)
	})
}

// checkPassword applies the password policy: at least 10 characters, not the email.
// maxPasswordBytes is bcrypt's limit: it refuses longer passwords.
const maxPasswordBytes = 72

func checkPassword(password, email string) error {
	switch {
	case len([]rune(password)) < 10:
		return recom.Invalid(recom.FieldError{Field: "password", Message: "must be at least 10 characters"})
	case len(password) > maxPasswordBytes:
		return recom.Invalid(recom.FieldError{Field: "password", Message: fmt.Sprintf("must be at most %d bytes (bcrypt's limit; an accented letter takes 2)", maxPasswordBytes)})
	case strings.EqualFold(strings.TrimSpace(password), email) ||
		(email != "" && strings.Contains(strings.ToLower(password), strings.SplitN(email, "@", 2)[0]) && len(strings.SplitN(email, "@", 2)[0]) >= 4):
		return recom.Invalid(recom.FieldError{Field: "password", Message: "must not contain the email address"})
	}
	return nil
}

// errBadLogin never says which of email or password was wrong.
var errBadLogin = recom.Errorf(recom.CodeUnauthorized, "The email or password is incorrect.")

// handleLogin serves POST /api/v1/auth/login (FR-002).
func (s *server) handleLogin() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		in, err := decode[credentials](r)
		if err != nil {
			return err
		}
		email := auth.NormalizeEmail(in.Email)
		if err := s.throttle(r, "login:ip:"+clientIP(r, s.Config.TrustedProxies), loginPerIP, "sign-in"); err != nil {
			return err
		}
		if err := s.throttle(r, "login:email:"+email, loginPerEmail, "sign-in"); err != nil {
			return err
		}
		a, err := s.Stores.Admins.FindAdminByEmail(r.Context(), email)
		if err != nil && !recom.IsNotFound(err) {
			return err
		}
		if !auth.CheckPasswordOrDummy(a.PasswordHash, in.Password, s.Config.BcryptCost) {
			return errBadLogin
		}
		return s.startSession(w, r, a, http.StatusOK)
	})
}

// newRefresh makes the next refresh token of a family (a new family when family is "").
func newRefresh(adminID, family string) (token string, rt recom.RefreshToken) {
	token, hash := auth.NewRefreshToken()
	if family == "" {
		family = recom.NewID()
	}
	now := recom.Now()
	return token, recom.RefreshToken{ID: recom.NewID(), AdminID: adminID, FamilyID: family, Hash: hash,
		CreatedAt: now, ExpiresAt: now.Add(auth.RefreshTokenTTL)}
}

// Sign-in throttles: guessing passwords is slow per account and per address, and the
// answer is the same whichever limit is hit (no account oracle).
var (
	loginPerEmail = recom.Limit{Rate: 10, Period: 15 * time.Minute, Burst: 10}
	loginPerIP    = recom.Limit{Rate: 50, Period: 15 * time.Minute, Burst: 50}
	signupPerIP   = recom.Limit{Rate: 20, Period: time.Hour, Burst: 20}
)

// throttle spends one attempt of key's budget; when it is used up the answer is a 429.
// A limiter failure lets the attempt through.
func (s *server) throttle(r *http.Request, key string, l recom.Limit, what string) error {
	res, err := s.Limiter.Allow(r.Context(), key, l)
	if err != nil {
		s.Logger.WarnContext(r.Context(), "throttle failed; attempt let through", "err", err)
		return nil
	}
	if !res.Allowed {
		return &recom.Error{Code: recom.CodeRateLimited, RetryAfter: res.RetryAfter,
			Message: "Too many " + what + " attempts; retry after the time in Retry-After."}
	}
	return nil
}

// startSession opens a new refresh-token family for the admin and answers {token, user}.
func (s *server) startSession(w http.ResponseWriter, r *http.Request, a recom.Admin, status int) error {
	refresh, rt := newRefresh(a.ID, "")
	if err := s.Stores.RefreshTokens.CreateRefreshToken(r.Context(), rt); err != nil {
		return err
	}
	return s.answerSession(w, a, refresh, rt.ExpiresAt, status)
}

// answerSession sets the refresh cookie and answers a fresh access token.
func (s *server) answerSession(w http.ResponseWriter, a recom.Admin, refresh string, refreshExp time.Time, status int) error {
	a = s.withRole(a)
	token, exp, err := s.Tokens.Issue(a)
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{Name: refreshCookie, Value: refresh, Path: "/api/v1/auth",
		Expires: refreshExp, MaxAge: int(time.Until(refreshExp).Seconds()),
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
	return encode(w, status, envelope{Data: session{Token: token, ExpiresAt: exp, User: a}})
}

// sameOrigin refuses a cookie-authenticated call a browser made from another origin. The
// cookie is SameSite=Strict, which keeps other sites out but not sibling hosts of the same
// site (shop.example.com beside dashboard.example.com), which could otherwise sign an
// admin out or spend a refresh. Browsers say where a request comes from in
// Sec-Fetch-Site; a client that sends none (curl, a server) is not a browser page.
func sameOrigin(r *http.Request) error {
	switch r.Header.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
		return nil
	}
	return errCrossOrigin
}

var errCrossOrigin = recom.Errorf(recom.CodeForbidden, "The session cookie is used only by the dashboard's own pages.")

func clearRefreshCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: refreshCookie, Value: "", Path: "/api/v1/auth", MaxAge: -1,
		HttpOnly: true, Secure: true, SameSite: http.SameSiteStrictMode})
}

var errBadRefresh = recom.Errorf(recom.CodeUnauthorized, "The session has expired; sign in again.")

// handleRefresh serves POST /api/v1/auth/refresh: the cookie is exchanged for a new access
// token and rotated; presenting a token that was already exchanged revokes its family.
func (s *server) handleRefresh() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		if err := sameOrigin(r); err != nil {
			return err
		}
		c, err := r.Cookie(refreshCookie)
		if err != nil || c.Value == "" || len(c.Value) > 128 {
			return errBadRefresh
		}
		ctx := r.Context()
		old, err := s.Stores.RefreshTokens.FindRefreshToken(ctx, auth.HashRefreshToken(c.Value))
		if recom.IsNotFound(err) {
			clearRefreshCookie(w)
			return errBadRefresh
		}
		if err != nil {
			return err
		}
		if old.RotatedAt != nil || old.RevokedAt != nil || !recom.Now().Before(old.ExpiresAt) {
			if old.RotatedAt != nil && old.RevokedAt == nil {
				// A rotated token came back: it was stolen or replayed. End the family.
				s.Logger.WarnContext(ctx, "refresh token reuse; family revoked", "adminId", old.AdminID)
				if err := s.Stores.RefreshTokens.RevokeRefreshFamily(ctx, old.FamilyID); err != nil {
					return err
				}
			}
			clearRefreshCookie(w)
			return errBadRefresh
		}
		a, err := s.Stores.Admins.FindAdminByID(ctx, old.AdminID)
		if err != nil {
			if recom.IsNotFound(err) {
				return errBadRefresh
			}
			return err
		}
		refresh, next := newRefresh(a.ID, old.FamilyID)
		if err := s.Stores.RefreshTokens.RotateRefreshToken(ctx, old.ID, next); err != nil {
			if recom.ErrorCode(err) == recom.CodeConflict { // lost a race with another use of the same token
				_ = s.Stores.RefreshTokens.RevokeRefreshFamily(ctx, old.FamilyID)
				clearRefreshCookie(w)
				return errBadRefresh
			}
			return err
		}
		return s.answerSession(w, a, refresh, next.ExpiresAt, http.StatusOK)
	})
}

// handleLogout serves POST /api/v1/auth/logout: the cookie's family is revoked.
func (s *server) handleLogout() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		if err := sameOrigin(r); err != nil {
			return err
		}
		if c, err := r.Cookie(refreshCookie); err == nil && c.Value != "" && len(c.Value) <= 128 {
			rt, err := s.Stores.RefreshTokens.FindRefreshToken(r.Context(), auth.HashRefreshToken(c.Value))
			switch {
			case err == nil:
				if err := s.Stores.RefreshTokens.RevokeRefreshFamily(r.Context(), rt.FamilyID); err != nil {
					return err
				}
			case !recom.IsNotFound(err):
				return err
			}
		}
		clearRefreshCookie(w)
		w.WriteHeader(http.StatusNoContent)
		return nil
	})
}

// handleMe serves GET /api/v1/auth/me.
func (s *server) handleMe() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		a, err := s.Stores.Admins.FindAdminByID(r.Context(), p.AdminID)
		if err != nil {
			return err
		}
		return encode(w, http.StatusOK, envelope{Data: s.withRole(a)})
	})
}

// withRole is the admin with the role it holds now: super_admin only while its email is
// still in RECOM_SUPER_ADMIN_EMAILS, so taking an email off the list takes the role
// away at once, everywhere, without editing the database.
func (s *server) withRole(a recom.Admin) recom.Admin {
	if a.Role == recom.RoleSuperAdmin && !slices.Contains(s.Config.SuperAdminEmails, a.Email) {
		a.Role = recom.RoleAdmin
	}
	return a
}

var errNoToken = recom.Errorf(recom.CodeUnauthorized, "Sign in: this endpoint needs an access token (Authorization: Bearer <token>).")

// requireAdmin lets through requests bearing a valid access token of an existing admin.
func (s *server) requireAdmin(next http.Handler) http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		token, ok := bearer(r)
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="recomengine"`)
			return errNoToken
		}
		claims, err := s.Tokens.Verify(token)
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="recomengine", error="invalid_token"`)
			return err
		}
		a, err := s.Stores.Admins.FindAdminByID(r.Context(), claims.Subject)
		if err != nil {
			if recom.IsNotFound(err) {
				return recom.Errorf(recom.CodeUnauthorized, "The access token is invalid or expired.")
			}
			return err
		}
		a = s.withRole(a)
		p := recom.Principal{AdminID: a.ID, Role: a.Role, Email: a.Email}
		next.ServeHTTP(w, r.WithContext(recom.WithPrincipal(r.Context(), p)))
		return nil
	})
}

// bearer returns the credential of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	if len(h) < 7 || !strings.EqualFold(h[:7], "bearer ") {
		return "", false
	}
	t := strings.TrimSpace(h[7:])
	return t, t != "" && len(t) <= 4096
}
