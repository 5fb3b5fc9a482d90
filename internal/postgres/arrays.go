package postgres

import (
	"encoding/binary"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// The ingest flush's array parameters. pgx encodes a slice element by element, boxing
// each into an interface and calling its plan: a tenth of the server's CPU in a profile
// of batches at 60,000 events a second. fastArrays writes these types in PostgreSQL's
// binary array format directly; their bytes are pgx's own (TestFastArraysEncodeAsPgx).
type (
	textArray   []string
	timeArray   []time.Time
	float8Array []pgtype.Float8
	int4Array   []pgtype.Int4
	uuidArray   []pgtype.UUID
)

// arrayPlan writes an A, a slice of E, as a one-dimensional array of elem.
type arrayPlan[A ~[]E, E any] struct {
	elem uint32
	size func(E) int                    // the bytes of an element's value, at most
	put  func([]byte, E) ([]byte, bool) // appends it; false: NULL (appending nothing)
}

// fastPlan is an arrayPlan, of whichever types.
type fastPlan interface {
	pgtype.EncodePlan
	takes(value any) bool     // whether value is its A
	empty() any               // a nil A
	encodedLen(value any) int // the bytes its encoding of value takes
}

var fastPlans = map[uint32]fastPlan{ // by the array type's OID
	pgtype.TextArrayOID: arrayPlan[textArray, string]{pgtype.TextOID,
		func(s string) int { return len(s) },
		func(b []byte, s string) ([]byte, bool) { return append(b, s...), true }},
	pgtype.TimestamptzArrayOID: arrayPlan[timeArray, time.Time]{pgtype.TimestamptzOID,
		func(time.Time) int { return 8 },
		func(b []byte, t time.Time) ([]byte, bool) {
			return binary.BigEndian.AppendUint64(b, uint64(t.UnixMicro()-pgEpochMicros)), true
		}},
	pgtype.Float8ArrayOID: arrayPlan[float8Array, pgtype.Float8]{pgtype.Float8OID,
		func(pgtype.Float8) int { return 8 },
		func(b []byte, f pgtype.Float8) ([]byte, bool) {
			return binary.BigEndian.AppendUint64(b, math.Float64bits(f.Float64)), f.Valid
		}},
	pgtype.Int4ArrayOID: arrayPlan[int4Array, pgtype.Int4]{pgtype.Int4OID,
		func(pgtype.Int4) int { return 4 },
		func(b []byte, i pgtype.Int4) ([]byte, bool) {
			return binary.BigEndian.AppendUint32(b, uint32(i.Int32)), i.Valid
		}},
	pgtype.UUIDArrayOID: arrayPlan[uuidArray, pgtype.UUID]{pgtype.UUIDOID,
		func(pgtype.UUID) int { return 16 },
		func(b []byte, u pgtype.UUID) ([]byte, bool) { return append(b, u.Bytes[:]...), u.Valid }},
}

// fastArrays is the codec of an array type of fastPlans on every connection (registered
// in Open): the types above in binary, every other value as pgx's codec does.
type fastArrays struct {
	pgtype.Codec
	plan fastPlan
}

// registerFastArrays wraps m's codecs of the array types of fastPlans in fastArrays,
// and makes those types the ones of the Go types above where a query gives no parameter
// types (default_query_exec_mode exec or simple_protocol, which send text).
func registerFastArrays(m *pgtype.Map) {
	for oid, plan := range fastPlans {
		if t, ok := m.TypeForOID(oid); ok {
			m.RegisterType(&pgtype.Type{Name: t.Name, OID: oid, Codec: fastArrays{t.Codec, plan}})
			m.RegisterDefaultPgType(plan.empty(), t.Name)
		}
	}
}

func (c fastArrays) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if format == pgtype.BinaryFormatCode && c.plan.takes(value) {
		return c.plan
	}
	return c.Codec.PlanEncode(m, oid, format, value)
}

func (p arrayPlan[A, E]) takes(value any) bool {
	_, ok := value.(A)
	return ok
}

func (arrayPlan[A, E]) empty() any { return A(nil) }

func (p arrayPlan[A, E]) encodedLen(value any) int {
	a := value.(A)
	n := 20 + 4*len(a)
	for _, e := range a {
		n += p.size(e)
	}
	return n
}

// encodedSize is about the bytes args take encoded: exact for the types above, a guess
// for the rest.
func encodedSize(args []any) int {
	n := 0
	for _, a := range args {
		n += 64
		for _, p := range fastPlans {
			if p.takes(a) {
				n += p.encodedLen(a)
				break
			}
		}
	}
	return n
}

// Encode writes the header (one dimension, of lower bound 1, as pgx does, even when
// empty), then each element's length (-1: NULL) and value.
func (p arrayPlan[A, E]) Encode(value any, buf []byte) ([]byte, error) {
	a := value.(A)
	buf = slices.Grow(buf, p.encodedLen(a))
	flags := len(buf) + 4
	buf = binary.BigEndian.AppendUint32(buf, 1) // dimensions
	buf = binary.BigEndian.AppendUint32(buf, 0) // has NULLs: set below
	buf = binary.BigEndian.AppendUint32(buf, p.elem)
	buf = binary.BigEndian.AppendUint32(buf, uint32(len(a)))
	buf = binary.BigEndian.AppendUint32(buf, 1) // lower bound
	for _, e := range a {
		at := len(buf)
		var valid bool
		if buf, valid = p.put(append(buf, 0, 0, 0, 0), e); valid {
			binary.BigEndian.PutUint32(buf[at:], uint32(len(buf)-at-4))
		} else {
			buf = binary.BigEndian.AppendUint32(buf[:at], math.MaxUint32) // length -1
			binary.BigEndian.PutUint32(buf[flags:], 1)
		}
	}
	return buf, nil
}
