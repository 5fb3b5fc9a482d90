package postgres

import (
	"bytes"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The fast arrays must be byte for byte what pgx itself sends for the same values.
func TestFastArraysEncodeAsPgx(t *testing.T) {
	plain, fast := pgtype.NewMap(), pgtype.NewMap()
	registerFastArrays(fast)
	encode := func(m *pgtype.Map, oid uint32, v any) []byte {
		t.Helper()
		b, err := m.Encode(oid, pgtype.BinaryFormatCode, v, nil)
		if err != nil {
			t.Fatalf("Encode %T: %v", v, err)
		}
		return b
	}
	texts := [][]string{nil, {}, {""}, {"a", "", "ünïcødé ✓", "tab\tand\nnewline", string(make([]byte, 70_000))}}
	for _, a := range texts {
		want, got := encode(plain, pgtype.TextArrayOID, a), encode(fast, pgtype.TextArrayOID, textArray(a))
		if !bytes.Equal(got, want) {
			t.Errorf("text[] %q:\n got %x\nwant %x", a, got[:min(len(got), 64)], want[:min(len(want), 64)])
		}
	}
	times := [][]time.Time{{}, {
		time.Date(2026, 11, 26, 12, 0, 0, 123_456_789, time.UTC),
		time.Date(2026, 11, 26, 13, 0, 0, 999, time.FixedZone("CET", 3600)),
		time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC), // before the Unix epoch: µs rounds down
		time.Date(1999, 12, 31, 23, 59, 59, 500, time.UTC),         // before PostgreSQL's
		time.Unix(0, 0),
	}}
	for _, a := range times {
		want, got := encode(plain, pgtype.TimestamptzArrayOID, a), encode(fast, pgtype.TimestamptzArrayOID, timeArray(a))
		if !bytes.Equal(got, want) {
			t.Errorf("timestamptz[] %v:\n got %x\nwant %x", a, got, want)
		}
	}
	// Anything else still goes through pgx's codec; so does text format.
	if got, want := encode(fast, pgtype.TextArrayOID, []string{"x"}), encode(plain, pgtype.TextArrayOID, []string{"x"}); !bytes.Equal(got, want) {
		t.Errorf("[]string through the fast codec: got %x, want %x", got, want)
	}
	// Text format, as exec and simple_protocol modes send, with or without the type.
	for _, known := range []bool{true, false} {
		oid := func(o uint32) uint32 {
			if known {
				return o
			}
			return 0
		}
		text, err := fast.Encode(oid(pgtype.TextArrayOID), pgtype.TextFormatCode, textArray{"a b", `q"`}, nil)
		if err != nil || string(text) != `{"a b","q\""}` {
			t.Errorf("text[] (type given: %t) in text format: %s, %v", known, text, err)
		}
		at := time.Date(2026, 11, 26, 12, 0, 0, 5000, time.UTC)
		text, err = fast.Encode(oid(pgtype.TimestamptzArrayOID), pgtype.TextFormatCode, timeArray{at}, nil)
		if err != nil || string(text) != `{"2026-11-26 12:00:00.000005Z"}` {
			t.Errorf("timestamptz[] (type given: %t) in text format: %s, %v", known, text, err)
		}
	}
}
