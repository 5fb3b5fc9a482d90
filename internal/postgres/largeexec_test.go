package postgres

import (
	"bytes"
	"testing"

	"github.com/jackc/pgx/v5/pgproto3"
)

// A lent buffer carries a statement's messages byte for byte as pgx's own would, and is
// free again once pgx has sent them; one lent and never sent is taken back, and one
// holding unsent messages is not.
func TestLendAndProbe(t *testing.T) {
	bind := &pgproto3.Bind{PreparedStatement: "s", ParameterFormatCodes: []int16{1},
		Parameters: [][]byte{bytes.Repeat([]byte("x"), 5000)}}
	send := func(lent []byte) (wire []byte, free bool) {
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
		fe.Send(probe{lent, &free})
		return out.Bytes(), free
	}
	want, _ := send(nil)
	lent := make([]byte, 0, 8000)
	got, free := send(lent)
	if !bytes.Equal(got, want) {
		t.Errorf("through a lent buffer the wire got %d bytes, not the %d pgx sends alone", len(got), len(want))
	}
	if !free {
		t.Errorf("pgx let go of the buffer it sent (over 1 KiB), yet the probe says it still writes into it")
	}
	if !bytes.Equal(lent[:len(want)], want) {
		t.Errorf("the messages were not written into the lent buffer: pgx grew its own")
	}

	var out bytes.Buffer
	fe := pgproto3.NewFrontend(bytes.NewReader(nil), &out)
	fe.Send(lend{lent})
	free = false
	fe.Send(probe{lent, &free})
	if !free {
		t.Errorf("a buffer lent and never sent was not taken back")
	}
	clear(lent[:cap(lent)])
	fe.SendSync(&pgproto3.Sync{})
	if err := fe.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if out.Len() == 0 || lent[:1][0] != 0 {
		t.Errorf("after the probe took the buffer back, pgx still wrote into it")
	}

	fe = pgproto3.NewFrontend(bytes.NewReader(nil), &bytes.Buffer{})
	fe.Send(lend{lent})
	fe.SendSync(&pgproto3.Sync{}) // not flushed: the buffer holds it
	free = false
	fe.Send(probe{lent, &free})
	if free {
		t.Errorf("a lent buffer holding an unsent message was called free: two statements could share it")
	}
}
