package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/crypto/bcrypt"

	"github.com/recomengine/recomengine/internal/recom"
)

func TestPasswordHash(t *testing.T) {
	h, err := HashPassword("correct horse battery", bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	if !CheckPassword(h, "correct horse battery") || CheckPassword(h, "Correct horse battery") {
		t.Error("CheckPassword does not tell the right password from a wrong one")
	}
	if c, _ := bcrypt.Cost([]byte(h)); c != bcrypt.MinCost {
		t.Errorf("cost = %d, want the one asked for", c)
	}
	if CheckPasswordOrDummy("", "anything", 12) || !CheckPasswordOrDummy(h, "correct horse battery", 4) {
		t.Error("CheckPasswordOrDummy answers wrongly")
	}
	if _, err := HashPassword(strings.Repeat("x", 80), bcrypt.MinCost); err == nil {
		t.Error("a password beyond bcrypt's 72 bytes was hashed silently")
	}
}

func TestTokens(t *testing.T) {
	if _, err := NewTokens([]byte("short")); err == nil {
		t.Fatal("a short secret was accepted")
	}
	secret := []byte(strings.Repeat("k", 32))
	tk, _ := NewTokens(secret)
	admin := recom.Admin{ID: "a1", Role: recom.RoleSuperAdmin}
	tok, exp, err := tk.Issue(admin)
	if err != nil || time.Until(exp) > AccessTokenTTL || time.Until(exp) < AccessTokenTTL-time.Minute {
		t.Fatalf("Issue = %v, exp %v", err, exp)
	}
	c, err := tk.Verify(tok)
	if err != nil || c.Subject != "a1" || c.Role != recom.RoleSuperAdmin {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
	// Expired.
	tk.now = func() time.Time { return time.Now().Add(2 * time.Hour) }
	if _, err := tk.Verify(tok); recom.ErrorCode(err) != recom.CodeUnauthorized {
		t.Errorf("an expired token verified: %v", err)
	}
	tk.now = time.Now
	// Another secret, another algorithm, "none", tampering: all refused.
	other, _ := NewTokens([]byte(strings.Repeat("z", 32)))
	forged, _, _ := other.Issue(admin)
	hs512, _ := jwt.NewWithClaims(jwt.SigningMethodHS512, Claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject: "a1", Issuer: "recomengine", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}).SignedString(secret)
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, Claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject: "a1", Issuer: "recomengine", ExpiresAt: jwt.NewNumericDate(time.Now().Add(time.Hour))}}).SignedString(jwt.UnsafeAllowNoneSignatureType)
	noExp, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, Claims{RegisteredClaims: jwt.RegisteredClaims{
		Subject: "a1", Issuer: "recomengine"}}).SignedString(secret)
	for name, bad := range map[string]string{"other secret": forged, "HS512": hs512, "none": none, "no expiry": noExp,
		"tampered": tok[:len(tok)-2] + "xx", "garbage": "abc"} {
		if _, err := tk.Verify(bad); err == nil {
			t.Errorf("%s token verified", name)
		}
	}
}

func TestAPIKeys(t *testing.T) {
	k1, p1 := NewAPIKey(recom.KeySecret)
	k2, p2 := NewAPIKey(recom.KeyPublishable)
	if !strings.HasPrefix(k1, "rk_live_") || !strings.HasPrefix(k2, "rk_pub_") || !strings.HasPrefix(k1, p1) || !strings.HasPrefix(k2, p2) {
		t.Fatalf("keys %q %q prefixes %q %q", k1, k2, p1, p2)
	}
	if len(p1) != len("rk_live_")+6 || !LooksLikeAPIKey(k1) || !LooksLikeAPIKey(k2) {
		t.Errorf("display prefix %q or shape check wrong", p1)
	}
	for _, bad := range []string{"", "rk_live_", "rk_live_short", k1 + "x", "sk_live_" + k1[8:], "rk_live_" + strings.Repeat("!", 43)} {
		if LooksLikeAPIKey(bad) {
			t.Errorf("LooksLikeAPIKey(%q) = true", bad)
		}
	}
	pepper := []byte("pepper-pepper-pepper-pepper-pepp")
	h := HashAPIKey(pepper, k1)
	if len(h) != 32 || string(h) == string(HashAPIKey([]byte("another pepper of 32 bytes long!"), k1)) || string(h) != string(HashAPIKey(pepper, k1)) {
		t.Error("HashAPIKey is not a keyed, deterministic HMAC-SHA256")
	}
}

func TestRefreshTokensAndEmails(t *testing.T) {
	tok, h := NewRefreshToken()
	tok2, _ := NewRefreshToken()
	if tok == tok2 || len(h) != 32 || string(HashRefreshToken(tok)) != string(h) {
		t.Error("refresh tokens are not random or their hash is not stable")
	}
	if NormalizeEmail("  Jane.Doe@Example.COM ") != "jane.doe@example.com" {
		t.Error("NormalizeEmail")
	}
	for email, want := range map[string]bool{
		"jane@example.com": true, "a.b+c@shop.example.co.uk": true,
		"jane": false, "jane@localhost": false, "Jane <jane@example.com>": false, "jane@example.": false, "@example.com": false,
	} {
		if ValidEmail(email) != want {
			t.Errorf("ValidEmail(%q) = %v", email, !want)
		}
	}
}
