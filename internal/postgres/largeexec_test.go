package postgres

import (
	"bytes"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// A lent buffer carries a statement's messages byte for byte as pgx's own would, and
// comes back free once pgx has sent them; one pgx still holds is reported held.
func TestLendAndProbe(t *testing.T) {
	bind := &pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1},
		Parameters: [][]byte{bytes.Repeat([]byte("x"), 5000)}}
	send := func(lent []byte) (wire []byte, held bool) {
		var out bytes.Buffer
		fe := pgproto3.NewFrontend(bytes.NewReader(nil), &out)
		if lent != nil {
			fe.Send(lend{lent})
		}
		fe.SendBind(bind)
		fe.SendSync(&pgproto3.Sync{})
		if err := fe.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		held = true
		fe.Send(probe{lent, &held})
		return out.Bytes(), held
	}
	want, _ := send(nil)
	lent := make([]byte, 0, 8000)
	got, held := send(lent)
	if !bytes.Equal(got, want) {
		t.Errorf("through a lent buffer the wire got %d bytes, not the %d pgx sends alone", len(got), len(want))
	}
	if held {
		t.Errorf("pgx still holds the buffer it sent (over 1 KiB), so it would never be reused")
	}
	if !bytes.Equal(lent[:len(want)], want) {
		t.Errorf("the messages were not written into the lent buffer: pgx grew its own")
	}

	fe := pgproto3.NewFrontend(bytes.NewReader(nil), &bytes.Buffer{})
	fe.Send(lend{lent})
	held = false
	fe.Send(probe{lent, &held})
	if !held {
		t.Errorf("a buffer lent and not sent yet was reported free: two statements could share it")
	}
}
