package postgres

import (
	"encoding/binary"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// textArray and timeArray are the ingest flush's text[] and timestamptz[] parameters.
// pgx encodes a []string or []time.Time element by element, boxing each into an
// interface and calling its plan: a tenth of the server's CPU in a profile of batches at
// 60,000 events a second. The codec below writes these two types in PostgreSQL's binary
// array format directly; their bytes are pgx's own (TestFastArraysEncodeAsPgx).
type (
	textArray []string
	timeArray []time.Time
)

// fastArrays is the codec of text[] and timestamptz[] on every connection (registered in
// Open): the arrays above in binary, and every other value as pgx's codec does.
type fastArrays struct {
	pgtype.Codec
	elem uint32 // the element type: TextOID or TimestamptzOID
}

// registerFastArrays replaces m's text[] and timestamptz[] codecs with fastArrays
// wrapping them, and makes them the types of textArray and timeArray where a query
// gives no parameter types (default_query_exec_mode exec or simple_protocol, which
// send text).
func registerFastArrays(m *pgtype.Map) {
	m.RegisterDefaultPgType(textArray(nil), "_text")
	m.RegisterDefaultPgType(timeArray(nil), "_timestamptz")
	for _, a := range []struct {
		name      string
		oid, elem uint32
	}{{"_text", pgtype.TextArrayOID, pgtype.TextOID}, {"_timestamptz", pgtype.TimestamptzArrayOID, pgtype.TimestamptzOID}} {
		if t, ok := m.TypeForOID(a.oid); ok {
			m.RegisterType(&pgtype.Type{Name: a.name, OID: a.oid, Codec: fastArrays{t.Codec, a.elem}})
		}
	}
}

func (c fastArrays) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if format == pgtype.BinaryFormatCode {
		switch value.(type) {
		case textArray:
			if c.elem == pgtype.TextOID {
				return encodeTextArray{}
			}
		case timeArray:
			if c.elem == pgtype.TimestamptzOID {
				return encodeTimeArray{}
			}
		}
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

// appendArrayHeader appends the header of a one-dimensional array of n elements with no
// NULLs (one dimension of length 0 when n is 0, as pgx writes an empty array).
func appendArrayHeader(buf []byte, elem uint32, n int) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 1) // dimensions
	buf = binary.BigEndian.AppendUint32(buf, 0) // no NULLs
	buf = binary.BigEndian.AppendUint32(buf, elem)
	buf = binary.BigEndian.AppendUint32(buf, uint32(n))
	return binary.BigEndian.AppendUint32(buf, 1) // lower bound
}

type encodeTextArray struct{}

func (encodeTextArray) Encode(value any, buf []byte) ([]byte, error) {
	a := value.(textArray)
	size := 20
	for _, s := range a {
		size += 4 + len(s)
	}
	buf = appendArrayHeader(slices.Grow(buf, size), pgtype.TextOID, len(a))
	for _, s := range a {
		buf = append(binary.BigEndian.AppendUint32(buf, uint32(len(s))), s...)
	}
	return buf, nil
}

type encodeTimeArray struct{}

func (encodeTimeArray) Encode(value any, buf []byte) ([]byte, error) {
	a := value.(timeArray)
	buf = appendArrayHeader(slices.Grow(buf, 20+12*len(a)), pgtype.TimestamptzOID, len(a))
	for _, t := range a {
		buf = binary.BigEndian.AppendUint32(buf, 8)
		buf = binary.BigEndian.AppendUint64(buf, uint64(t.UnixMicro()-pgEpochMicros))
	}
	return buf, nil
}
