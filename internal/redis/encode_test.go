package redis

import (
	"fmt"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// TestRecentMembers: a member reads back as the event's type, product and time, whatever
// the product ID holds; members written before (after a sequence number, compact or as
// JSON) still read; damaged ones do not.
func TestRecentMembers(t *testing.T) {
	at := time.Date(2026, 11, 26, 1, 2, 3, 456789000, time.UTC)
	for _, product := range []string{"p1", "with\ttab and spaces", "ünï\\code{}", ""} {
		in := recom.Event{Type: recom.AddToCart, ProductID: product, Timestamp: at, ReceivedAt: at.Add(time.Second)}
		var out recom.Event
		if !decodeRecent(encodeRecent(&in), &out) || out.Type != in.Type || out.ProductID != product || !out.Timestamp.Equal(at) {
			t.Errorf("product %q: read back %+v", product, out)
		}
		old := "00000000000000ff" + string(in.Type) + "\t" + fmt.Sprint(at.UnixMicro()) + "\t" + product
		if !decodeRecent(old, &out) || out.Type != in.Type || out.ProductID != product || !out.Timestamp.Equal(at) {
			t.Errorf("product %q, member of before: read back %+v", product, out)
		}
	}
	// Binaries before this format cut 16 characters off a member and read the type up to
	// the next tab: the tab after the stamp makes them fail (and read the store) rather
	// than read a wrong type.
	if m := encodeRecent(&recom.Event{Type: recom.Purchase, ProductID: "p1", Timestamp: at}); len(m) < seqDigits+1 || m[seqDigits] != '\t' {
		t.Errorf("member %q has no tab after its first %d characters", m, seqDigits)
	}
	var legacy recom.Event
	if !decodeRecent(`0000000000000001{"eventType":"purchase","userId":"u","productId":"p9","timestamp":"2026-11-26T01:02:03.456789Z"}`, &legacy) ||
		legacy.Type != recom.Purchase || legacy.ProductID != "p9" || !legacy.Timestamp.Equal(at) {
		t.Errorf("a JSON member read as %+v", legacy)
	}
	for _, bad := range []string{"", "0000000000000001", "0000000000000001purchase", "0000000000000001purchase\tsoon\tp1", "0000000000000001{broken"} {
		if decodeRecent(bad, &recom.Event{}) {
			t.Errorf("%q read as an event", bad)
		}
	}
}

func BenchmarkDecodeRecent(b *testing.B) {
	m := encodeRecent(&recom.Event{Type: recom.ProductViewed, ProductID: "product-12345", Timestamp: time.Now()})
	var e recom.Event
	for b.Loop() {
		decodeRecent(m, &e)
	}
}
