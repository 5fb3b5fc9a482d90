// Package auth owns credentials: bcrypt password hashes, HS256 access tokens, API keys
// stored as HMAC-SHA256 with a server pepper, and refresh tokens stored as SHA-256. It
// imports only recom of ours.
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/recomengine/recomengine/internal/recom"
)

// HashPassword returns the bcrypt hash of password at the given cost (FR-001: 12).
func HashPassword(password string, cost int) (string, error) {
	h, err := bcrypt.GenerateFromPassword([]byte(password), cost)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return string(h), nil
}

// CheckPassword reports whether password matches the bcrypt hash.
func CheckPassword(hash, password string) bool {
	return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil
}

// dummyHashes holds, per bcrypt cost, a hash compared against when an email is unknown,
// so a login for a missing account costs the same single comparison as a wrong password
// (no account oracle by timing).
var dummyHashes sync.Map // cost → []byte

// CheckPasswordOrDummy checks password against hash, or, when hash is empty, spends one
// comparison of the same cost against a dummy, and reports whether it matched.
func CheckPasswordOrDummy(hash, password string, cost int) bool {
	if hash != "" {
		return CheckPassword(hash, password)
	}
	h, ok := dummyHashes.Load(cost)
	if !ok {
		b, err := bcrypt.GenerateFromPassword([]byte("recomengine-timing-equaliser"), cost)
		if err != nil {
			return false
		}
		h, _ = dummyHashes.LoadOrStore(cost, b)
	}
	_ = bcrypt.CompareHashAndPassword(h.([]byte), []byte(password))
	return false
}

// AccessTokenTTL is the lifetime of an access token (FR-002).
const AccessTokenTTL = time.Hour

// Claims are an access token's claims.
type Claims struct {
	Role recom.Role `json:"role"`
	jwt.RegisteredClaims
}

// Tokens issues and verifies HS256 access tokens.
type Tokens struct {
	secret []byte
	now    func() time.Time
}

// NewTokens returns Tokens signing with secret (at least 32 bytes).
func NewTokens(secret []byte) (*Tokens, error) {
	if len(secret) < 32 {
		return nil, errors.New("auth: JWT secret must be at least 32 bytes")
	}
	return &Tokens{secret: secret, now: time.Now}, nil
}

// Issue returns a signed access token for the admin and its expiry.
func (t *Tokens) Issue(a recom.Admin) (string, time.Time, error) {
	now := t.now()
	exp := now.Add(AccessTokenTTL)
	claims := Claims{Role: a.Role, RegisteredClaims: jwt.RegisteredClaims{
		Subject: a.ID, IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(exp),
		Issuer: "recomengine", ID: recom.NewID(),
	}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(t.secret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	return s, exp, nil
}

// Verify parses an access token, accepting only HS256 (algorithm pinned), and returns its
// claims. Any failure is a CodeUnauthorized Error.
func (t *Tokens) Verify(token string) (Claims, error) {
	var c Claims
	_, err := jwt.ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return t.secret, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer("recomengine"),
		jwt.WithExpirationRequired(), jwt.WithTimeFunc(t.now))
	if err != nil || c.Subject == "" {
		return Claims{}, recom.Errorf(recom.CodeUnauthorized, "The access token is invalid or expired.")
	}
	return c, nil
}

// API key prefixes (DESIGN §2).
const (
	SecretKeyPrefix      = "rk_live_"
	PublishableKeyPrefix = "rk_pub_"
)

// NewAPIKey returns a new key of the type (32 random bytes, base64url) and its display
// prefix: the type prefix and the first 6 characters of the secret part.
func NewAPIKey(t recom.KeyType) (key, display string) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	p := SecretKeyPrefix
	if t == recom.KeyPublishable {
		p = PublishableKeyPrefix
	}
	key = p + base64.RawURLEncoding.EncodeToString(b[:])
	return key, key[:len(p)+6]
}

// LooksLikeAPIKey reports whether s has the shape of one of our keys, so obvious garbage
// is refused before any lookup.
func LooksLikeAPIKey(s string) bool {
	for _, p := range []string{SecretKeyPrefix, PublishableKeyPrefix} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			return len(rest) == 43 && strings.IndexFunc(rest, func(r rune) bool {
				return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_')
			}) < 0
		}
	}
	return false
}

// HashAPIKey returns HMAC-SHA256(pepper, key): what is stored (NFR-006).
func HashAPIKey(pepper []byte, key string) []byte {
	m := hmac.New(sha256.New, pepper)
	m.Write([]byte(key))
	return m.Sum(nil)
}

// RefreshTokenTTL is the lifetime of a refresh token (FR-002).
const RefreshTokenTTL = 7 * 24 * time.Hour

// NewRefreshToken returns a new opaque refresh token and the hash to store.
func NewRefreshToken() (token string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	token = base64.RawURLEncoding.EncodeToString(b[:])
	return token, HashRefreshToken(token)
}

// HashRefreshToken returns SHA-256 of the token. A refresh token is 256 random bits, so a
// plain hash is enough: there is nothing to brute-force.
func HashRefreshToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// NormalizeEmail trims and lower-cases an email address.
func NormalizeEmail(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// ValidEmail reports whether a normalised address is a plain addr-spec with a dotted
// domain (no display name, no comments).
func ValidEmail(email string) bool {
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" || len(email) > 254 {
		return false
	}
	at := strings.LastIndexByte(email, '@')
	return at > 0 && strings.Contains(email[at+1:], ".") && !strings.HasSuffix(email, ".")
}
