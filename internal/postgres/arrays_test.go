package postgres

import (
	"bytes"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The fast arrays must be byte for byte what pgx itself sends for the same values, in
// binary, and in text (as default_query_exec_mode exec and simple_protocol send, with
// or without the parameter's type).
func TestFastArraysEncodeAsPgx(t *testing.T) {
	plain, fast := pgtype.NewMap(), pgtype.NewMap()
	registerFastArrays(fast)
	encode := func(m *pgtype.Map, oid uint32, format int16, v any) []byte {
		t.Helper()
		b, err := m.Encode(oid, format, v, nil)
		if err != nil {
			t.Fatalf("Encode %T in format %d: %v", v, format, err)
		}
		return b
	}
	at := time.Date(2026, 11, 26, 12, 0, 0, 123_456_789, time.UTC)
	uuid := pgtype.UUID{Bytes: [16]byte{0x0f, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff}, Valid: true}
	cases := []struct {
		oid        uint32
		fast, pgx  any // the same values as our type and as pgx's usual one
		wantInText string
	}{
		{pgtype.TextArrayOID, textArray{}, []string{}, `{}`},
		{pgtype.TextArrayOID, textArray{""}, []string{""}, `{""}`},
		{pgtype.TextArrayOID, textArray{"a b", `q"`, "ünï ✓", "tab\tnl\n", string(make([]byte, 70_000))},
			[]string{"a b", `q"`, "ünï ✓", "tab\tnl\n", string(make([]byte, 70_000))}, ""},
		{pgtype.TimestamptzArrayOID, timeArray{}, []time.Time{}, `{}`},
		{pgtype.TimestamptzArrayOID, timeArray{
			at,
			at.In(time.FixedZone("CET", 3600)),
			time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC), // before the Unix epoch: µs rounds down
			time.Date(1999, 12, 31, 23, 59, 59, 500, time.UTC),         // before PostgreSQL's
		}, []time.Time{
			at,
			at.In(time.FixedZone("CET", 3600)),
			time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
			time.Date(1999, 12, 31, 23, 59, 59, 500, time.UTC),
		}, ""},
		{pgtype.TimestamptzArrayOID, timeArray{at}, []time.Time{at}, `{"2026-11-26 12:00:00.123456Z"}`},
		{pgtype.Float8ArrayOID, float8Array{{Float64: 12.5, Valid: true}, {}, {Float64: math.Inf(-1), Valid: true}, {Float64: -0.0, Valid: true}},
			pgtype.FlatArray[pgtype.Float8]{{Float64: 12.5, Valid: true}, {}, {Float64: math.Inf(-1), Valid: true}, {Float64: -0.0, Valid: true}},
			`{12.5,NULL,-Inf,0}`},
		{pgtype.Float8ArrayOID, float8Array{{Float64: 1, Valid: true}}, pgtype.FlatArray[pgtype.Float8]{{Float64: 1, Valid: true}}, `{1}`},
		{pgtype.Int4ArrayOID, int4Array{{}, {Int32: -7, Valid: true}, {Int32: math.MaxInt32, Valid: true}},
			pgtype.FlatArray[pgtype.Int4]{{}, {Int32: -7, Valid: true}, {Int32: math.MaxInt32, Valid: true}}, `{NULL,-7,2147483647}`},
		{pgtype.Int4ArrayOID, int4Array{}, pgtype.FlatArray[pgtype.Int4]{}, `{}`},
		{pgtype.UUIDArrayOID, uuidArray{uuid, {}}, pgtype.FlatArray[pgtype.UUID]{uuid, {}},
			`{0f010203-0405-0607-0809-0a0b0c0d0eff,NULL}`},
	}
	for _, c := range cases {
		// pgx would encode our types well enough by their underlying types: check that
		// it takes the fast plan.
		if _, ok := fast.PlanEncode(c.oid, pgtype.BinaryFormatCode, c.fast).(fastPlan); !ok {
			t.Errorf("%T in binary: pgx's plan, not the fast one", c.fast)
		}
		want, got := encode(plain, c.oid, pgtype.BinaryFormatCode, c.pgx), encode(fast, c.oid, pgtype.BinaryFormatCode, c.fast)
		if !bytes.Equal(got, want) {
			t.Errorf("%T %.60v in binary:\n got %x\nwant %x", c.fast, c.fast, got[:min(len(got), 80)], want[:min(len(want), 80)])
		}
		// pgx's own types still take pgx's path through the wrapped codec.
		if again := encode(fast, c.oid, pgtype.BinaryFormatCode, c.pgx); !bytes.Equal(again, want) {
			t.Errorf("%T through the fast codec: got %x, want %x", c.pgx, again[:min(len(again), 80)], want[:min(len(want), 80)])
		}
		if c.wantInText == "" {
			continue
		}
		for _, oid := range []uint32{c.oid, 0} {
			if text := encode(fast, oid, pgtype.TextFormatCode, c.fast); string(text) != c.wantInText {
				t.Errorf("%T %v in text (OID %d): %s, want %s", c.fast, c.fast, oid, text, c.wantInText)
			}
		}
	}
	if b := encode(fast, pgtype.TextArrayOID, pgtype.BinaryFormatCode, textArray(nil)); b != nil {
		t.Errorf("a nil textArray: %x, want NULL", b)
	}
}
