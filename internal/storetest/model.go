package storetest

import (
	"bytes"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/recomengine/recomengine/internal/recom"
)

// testModelSaveAndLoad: a snapshot of several MB reads back whole, its time in UTC; none
// is found before the first save, nor in another tenant (FR-004).
func testModelSaveAndLoad(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	_, err := s.Models.LoadModel(ctx, tenant.ID)
	wantError(t, "LoadModel before any save", err, recom.CodeNotFound, "Model not found.")

	data := make([]byte, 8<<20)
	_, _ = rand.Read(data) // crypto/rand.Read never fails (Go 1.24+)
	want := recom.ModelSnapshot{TenantID: tenant.ID, Version: 3, BuiltAt: t0, Events: 123456, Data: data}
	saved := want
	saved.BuiltAt = t0.Add(999 * time.Nanosecond).In(time.FixedZone("CET", 3600)) // kept to the µs, in UTC
	if err := s.Models.SaveModel(ctx, saved); err != nil {
		t.Fatalf("SaveModel: %v", err)
	}
	got := loadModel(t, s, tenant.ID)
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(recom.ModelSnapshot{}, "Data")); diff != "" {
		t.Errorf("LoadModel (-want +got):\n%s", diff)
	}
	if !bytes.Equal(got.Data, data) {
		t.Errorf("LoadModel data = %d bytes, not the %d saved", len(got.Data), len(data))
	}
	wantUTC(t, "model BuiltAt", got.BuiltAt)

	_, err = s.Models.LoadModel(ctx, other.ID)
	wantError(t, "LoadModel of another tenant", err, recom.CodeNotFound, "Model not found.")
	err = s.Models.SaveModel(ctx, recom.ModelSnapshot{TenantID: recom.NewID(), Version: 1, BuiltAt: t0, Data: []byte("x")})
	wantError(t, "SaveModel for an unknown tenant", err, recom.CodeNotFound, "Tenant not found.")

	// A zero BuiltAt means now.
	before := recom.Now()
	if err := s.Models.SaveModel(ctx, recom.ModelSnapshot{TenantID: other.ID, Version: 1, Data: []byte("m")}); err != nil {
		t.Fatalf("SaveModel: %v", err)
	}
	if got := loadModel(t, s, other.ID); got.BuiltAt.Before(before) || got.BuiltAt.After(recom.Now()) {
		t.Errorf("BuiltAt of a snapshot saved without one = %v, want now (from %v)", got.BuiltAt, before)
	}
}

// testModelNewestWins: a snapshot replaces the stored one only if its version is newer
// (another node may have built later); tenants keep their own.
func testModelNewestWins(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	snapshot := func(tenantID string, version int64, data string) recom.ModelSnapshot {
		return recom.ModelSnapshot{TenantID: tenantID, Version: version, BuiltAt: t0.Add(time.Duration(version) * time.Minute),
			Events: version * 10, Data: []byte(data)}
	}
	steps := []struct {
		save recom.ModelSnapshot
		want recom.ModelSnapshot
	}{
		{snapshot(tenant.ID, 5, "five"), snapshot(tenant.ID, 5, "five")},
		{snapshot(tenant.ID, 4, "four"), snapshot(tenant.ID, 5, "five")},       // older: ignored
		{snapshot(tenant.ID, 5, "five again"), snapshot(tenant.ID, 5, "five")}, // not newer: ignored
		{snapshot(other.ID, 1, "theirs"), snapshot(tenant.ID, 5, "five")},      // another tenant's
		{snapshot(tenant.ID, 6, "six"), snapshot(tenant.ID, 6, "six")},
		{snapshot(tenant.ID, 100, ""), snapshot(tenant.ID, 100, "")}, // a smaller model replaces a bigger one
	}
	for i, st := range steps {
		if err := s.Models.SaveModel(ctx, st.save); err != nil {
			t.Fatalf("SaveModel #%d: %v", i+1, err)
		}
		if diff := cmp.Diff(st.want, loadModel(t, s, tenant.ID), cmpModels); diff != "" {
			t.Errorf("LoadModel after saving version %d of %s (-want +got):\n%s", st.save.Version, st.save.Data, diff)
		}
	}
	if diff := cmp.Diff(snapshot(other.ID, 1, "theirs"), loadModel(t, s, other.ID), cmpModels); diff != "" {
		t.Errorf("LoadModel of the other tenant (-want +got):\n%s", diff)
	}
}

// testModelNewestWinsConcurrent: nodes saving builds at once, in any order, leave the
// newest.
func testModelNewestWinsConcurrent(t *testing.T, s recom.Stores) {
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	var wg sync.WaitGroup
	for v := range int64(8) {
		wg.Go(func() {
			m := recom.ModelSnapshot{TenantID: tenant.ID, Version: 8 - v, BuiltAt: t0, Data: []byte{byte(8 - v)}}
			if err := s.Models.SaveModel(t.Context(), m); err != nil {
				t.Errorf("SaveModel version %d: %v", m.Version, err)
			}
		})
	}
	wg.Wait()
	if got := loadModel(t, s, tenant.ID); got.Version != 8 || !bytes.Equal(got.Data, []byte{8}) {
		t.Errorf("LoadModel = version %d with data %v; want version 8 with [8]", got.Version, got.Data)
	}
}

// cmpModels compares snapshots with empty and nil data as equal (a store may read an
// empty BLOB back as nil).
var cmpModels = cmpopts.EquateEmpty()

func loadModel(t *testing.T, s recom.Stores, tenantID string) recom.ModelSnapshot {
	t.Helper()
	m, err := s.Models.LoadModel(t.Context(), tenantID)
	if err != nil {
		t.Fatalf("LoadModel: %v", err)
	}
	return m
}
