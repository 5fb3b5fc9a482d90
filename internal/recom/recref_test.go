package recom

import (
	"bytes"
	"encoding/base64"
	"strings"
	"testing"
	"time"
)

func TestRefCodecRoundTrip(t *testing.T) {
	c := NewRefCodec([]byte("pepper"))
	at := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	for _, want := range []RecommendationRef{
		{Strategy: "collaborative", IssuedAt: at},
		{Strategy: "trending_fallback", ExperimentID: NewID(), Variant: Control, IssuedAt: at},
		{Strategy: "frequently_bought_together", ExperimentID: NewID(), Variant: Variant, IssuedAt: at},
	} {
		id := c.Mint("t1", want)
		if len(id) > 128 || !strings.HasPrefix(id, "rec_") {
			t.Errorf("id %q: want rec_… of at most 128 characters (the event field's limit)", id)
		}
		got, ok := c.Parse("t1", id)
		if !ok || got != want {
			t.Errorf("Parse(Mint(%+v)) = %+v, %v", want, got, ok)
		}
		if c.Mint("t1", want) == id {
			t.Error("two answers got the same id")
		}
	}
}

func TestRefCodecRefusesForgeries(t *testing.T) {
	c := NewRefCodec([]byte("pepper"))
	id := c.Mint("t1", RecommendationRef{Strategy: "trending", ExperimentID: "e1", Variant: Variant, IssuedAt: time.Now()})
	flipped := []byte(id)
	flipped[10] ^= 1
	for name, tc := range map[string]struct{ tenant, id string }{
		"another tenant":    {"t2", id},
		"another key":       {"t1", NewRefCodec([]byte("other")).Mint("t1", RecommendationRef{Strategy: "trending"})},
		"one bit changed":   {"t1", string(flipped)},
		"truncated":         {"t1", id[:len(id)-4]},
		"a client's own id": {"t1", "abc-123"},
		"a uuid":            {"t1", NewID()},
		"empty":             {"t1", ""},
		"prefix only":       {"t1", "rec_"},
		"not base64":        {"t1", "rec_!!!!"},
	} {
		if r, ok := c.Parse(tc.tenant, tc.id); ok {
			t.Errorf("%s: Parse accepted %q as %+v", name, tc.id, r)
		}
	}
}

// TestRefCodecOneSpelling: an id whose last character carries unused bits has other
// spellings a lenient decoder reads as the same bytes; only the minted one is accepted,
// so counting distinct ids cannot be inflated.
func TestRefCodecOneSpelling(t *testing.T) {
	c := NewRefCodec([]byte("pepper"))
	id := c.Mint("t1", RecommendationRef{Strategy: "trending"}) // 28 bytes: 4 unused bits
	other := respell(id)
	a, _ := base64.RawURLEncoding.DecodeString(id[4:])
	b, err := base64.RawURLEncoding.DecodeString(other[4:])
	if err != nil || !bytes.Equal(a, b) {
		t.Fatalf("the respelling is not an equivalent spelling (%v): the test proves nothing", err)
	}
	if _, ok := c.Parse("t1", other); ok {
		t.Errorf("Parse accepted %q, another spelling of %q", other, id)
	}
}

func TestRefCodecUnknownStrategy(t *testing.T) {
	c := NewRefCodec([]byte("pepper"))
	r, ok := c.Parse("t1", c.Mint("t1", RecommendationRef{Strategy: "telepathy"}))
	if !ok || r.Strategy != UnknownStrategy {
		t.Errorf("got %+v, %v; want strategy %q", r, ok, UnknownStrategy)
	}
}

// respell changes the unused low bits of the last base64 character: lenient decoders
// read the same bytes, so the same answer would count twice.
func respell(id string) string {
	last := id[len(id)-1]
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, last)
	return id[:len(id)-1] + string(alphabet[i^1])
}
