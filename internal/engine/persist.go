package engine

import (
	"bytes"
	"compress/flate"
	"encoding/gob"
	"fmt"
	"io"
)

// snapshotVersion changes whenever snapshot's meaning changes: a node then rebuilds
// instead of loading an older snapshot.
const snapshotVersion = 1

// MarshalBinary encodes the model (gob, deflated) so a restarted or added node loads it
// rather than rebuilding (DESIGN §4).
func (m *Model) MarshalBinary() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte(snapshotVersion)
	zw, err := flate.NewWriter(&buf, flate.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := gob.NewEncoder(zw).Encode(&m.d); err != nil {
		return nil, fmt.Errorf("engine: encode model: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// UnmarshalBinary loads a model written by MarshalBinary into a zero Model. It returns an
// error for a snapshot of another version: the caller rebuilds.
func (m *Model) UnmarshalBinary(data []byte) error {
	if len(data) == 0 || data[0] != snapshotVersion {
		return fmt.Errorf("engine: model snapshot version mismatch: want %d", snapshotVersion)
	}
	zr := flate.NewReader(bytes.NewReader(data[1:]))
	defer zr.Close()
	var d snapshot
	if err := gob.NewDecoder(zr).Decode(&d); err != nil {
		return fmt.Errorf("engine: decode model: %w", err)
	}
	if _, err := io.Copy(io.Discard, zr); err != nil {
		return fmt.Errorf("engine: decode model: %w", err)
	}
	if d.Version != snapshotVersion {
		return fmt.Errorf("engine: model snapshot version %d, want %d", d.Version, snapshotVersion)
	}
	n := len(d.IDs)
	if len(d.Names) != n || len(d.Brands) != n || len(d.Categories) != n || len(d.Prices) != n ||
		len(d.Trend) != n || len(d.Pop) != n || !d.Collab.valid(n) || !d.FBT.valid(n) || !d.Content.valid(n) ||
		len(d.FBTN) != len(d.FBT.Nbr) || len(d.FBTLift) != len(d.FBT.Nbr) {
		return fmt.Errorf("engine: decode model: inconsistent snapshot")
	}
	for _, c := range d.Categories {
		if c >= int32(len(d.CatNames)) {
			return fmt.Errorf("engine: decode model: inconsistent snapshot")
		}
	}
	*m = Model{d: d}
	m.derive()
	return nil
}

// valid reports whether nb is well formed for n items, so a corrupt snapshot cannot make
// Recommend index out of range.
func (nb *neighbours) valid(n int) bool {
	if len(nb.Off) != n+1 && !(n == 0 && len(nb.Off) <= 1) {
		return false
	}
	if len(nb.Nbr) != len(nb.W) {
		return false
	}
	prev := int32(0)
	for _, o := range nb.Off {
		if o < prev || int(o) > len(nb.Nbr) {
			return false
		}
		prev = o
	}
	for _, j := range nb.Nbr {
		if j < 0 || int(j) >= n {
			return false
		}
	}
	return true
}
