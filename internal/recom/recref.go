package recom

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"slices"
	"strings"
	"time"
)

// RecommendationRef is what a recommendationId says of the answer that issued it. The SDK
// and merchants' servers send the id back on impressions and clicks, so analytics and
// experiments credit each event to the strategy and experiment arm that earned it without
// storing every answer served.
type RecommendationRef struct {
	Strategy     string
	ExperimentID string // "" outside an experiment
	Variant      string // "control" or "variant" inside one
	IssuedAt     time.Time
}

// Experiment arms.
const (
	Control = "control"
	Variant = "variant"
)

// ServedStrategies are the strategies an answer can report (meta.strategy), in the order
// of their code in a recommendationId: never reorder, only append.
var ServedStrategies = []string{"collaborative", "content_based", "trending", "frequently_bought_together", "trending_fallback"}

// RefCodec mints and reads recommendationIds. An id is "rec_" and the URL-safe base64 of:
// version 1, 8 random bytes, the issue time (Unix seconds, 4 bytes), the strategy code,
// the arm (0 none, 1 control, 2 variant), the experiment id's length and bytes, and a
// 12-byte HMAC-SHA256 tag over the tenant id and all of that. The tag keeps anyone without
// the server's key, a shopper's browser included, from crediting made-up strategies or
// arms, and an id of one tenant from counting for another.
type RefCodec struct{ key []byte }

// NewRefCodec derives the codec's key from the server secret (the API key pepper), so no
// other secret needs configuring.
func NewRefCodec(secret []byte) *RefCodec {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("recomengine recommendation id v1"))
	return &RefCodec{key: m.Sum(nil)}
}

const (
	refPrefix  = "rec_"
	refVersion = 1
	refTagLen  = 12
	refMaxExp  = 64 // experiment ids are UUIDs (36); this bounds a minted id to 128 characters
)

// Mint returns a new recommendationId of the tenant saying r. A strategy it does not know
// is minted as UnknownStrategy's code, 0.
func (c *RefCodec) Mint(tenantID string, r RecommendationRef) string {
	exp := r.ExperimentID
	if len(exp) > refMaxExp {
		exp = exp[:refMaxExp]
	}
	b := make([]byte, 0, 1+8+4+3+len(exp)+refTagLen)
	b = append(b, refVersion)
	b = append(b, make([]byte, 8)...)
	_, _ = rand.Read(b[1:9]) // crypto/rand.Read never fails (Go 1.24+)
	b = binary.BigEndian.AppendUint32(b, uint32(r.IssuedAt.Unix()))
	b = append(b, byte(slices.Index(ServedStrategies, r.Strategy)+1), armCode(r.Variant), byte(len(exp)))
	b = append(b, exp...)
	b = append(b, c.tag(tenantID, b)...)
	return refPrefix + base64.RawURLEncoding.EncodeToString(b)
}

// Parse reads a recommendationId of the tenant; ok is false for an id this codec did not
// mint for this tenant.
func (c *RefCodec) Parse(tenantID, id string) (r RecommendationRef, ok bool) {
	raw, found := strings.CutPrefix(id, refPrefix)
	if !found || len(raw) > 200 {
		return r, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(raw) // one spelling per id: counts dedupe on it
	const fixed = 1 + 8 + 4 + 3
	if err != nil || len(b) < fixed+refTagLen || b[0] != refVersion {
		return r, false
	}
	n := int(b[fixed-1])
	if len(b) != fixed+n+refTagLen {
		return r, false
	}
	body, tag := b[:fixed+n], b[fixed+n:]
	if subtle.ConstantTimeCompare(tag, c.tag(tenantID, body)) != 1 {
		return r, false
	}
	r.IssuedAt = time.Unix(int64(binary.BigEndian.Uint32(b[9:13])), 0).UTC()
	r.Strategy = UnknownStrategy
	if code := int(b[13]); code >= 1 && code <= len(ServedStrategies) {
		r.Strategy = ServedStrategies[code-1]
	}
	switch b[14] {
	case 1:
		r.Variant = Control
	case 2:
		r.Variant = Variant
	}
	if r.Variant != "" {
		r.ExperimentID = string(b[fixed : fixed+n])
	}
	return r, true
}

func (c *RefCodec) tag(tenantID string, body []byte) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(tenantID))
	m.Write([]byte{0})
	m.Write(body)
	return m.Sum(nil)[:refTagLen]
}

func armCode(variant string) byte {
	switch variant {
	case Control:
		return 1
	case Variant:
		return 2
	}
	return 0
}
