// Package recom is the domain: the types every part of RecomEngine shares, the store and
// cache interfaces adapters implement, and the one error type that becomes an RFC 7807
// problem. It imports nothing of ours.
package recom

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// NewID returns a random RFC 4122 version 4 UUID in its canonical text form.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go 1.24+)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// Now returns the current time in UTC truncated to microseconds, the precision both stores
// keep, so a value read back equals the value written.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// Page is an offset page of a list (FR-027).
type Page struct {
	Limit  int
	Offset int
}

// Pagination defaults and bounds of every list endpoint (FR-027, DESIGN §2).
const (
	DefaultPageLimit = 20
	MaxPageLimit     = 100
)
