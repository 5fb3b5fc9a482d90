package experiment

import (
	"io"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/sqlite"
)

// TestExposuresQueueOnceAndFlush: an answer queues the user's exposure once; Flush stores
// it; a failed flush forgets the users, so their next answers queue them again.
func TestExposuresQueueOnceAndFlush(t *testing.T) {
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st := db.Stores()
	owner, err := st.Admins.CreateAdmin(ctx, recom.Admin{ID: recom.NewID(), Email: "a@shop.example", PasswordHash: "x", Role: recom.RoleAdmin, CreatedAt: recom.Now()})
	if err != nil {
		t.Fatal(err)
	}
	tenant, _ := recom.NewTenant(owner.ID, "Shop")
	if tenant, err = st.Tenants.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	s := New(st.Experiments, slog.New(slog.NewTextHandler(io.Discard, nil)))
	arm := recom.Arm{ExperimentID: "e1", Variant: recom.Variant, Strategy: "trending"}
	for range 3 {
		s.Expose(ctx, tenant.ID, arm, "u1")
	}
	s.Expose(ctx, tenant.ID, arm, "u2")
	if s.waiting != 2 {
		t.Fatalf("%d exposures queued, want 2 (u1 once, u2)", s.waiting)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	days, err := st.Experiments.ExposureDays(ctx, tenant.ID, "e1")
	if err != nil || len(days) != 1 || days[0].Users != 2 {
		t.Fatalf("stored exposures %+v, %v; want 2 users", days, err)
	}
	s.Expose(ctx, tenant.ID, arm, "u1")
	if s.waiting != 0 {
		t.Errorf("an exposure already stored was queued again")
	}

	db.Close() // the next flush fails
	s.Expose(ctx, tenant.ID, arm, "u3")
	if err := s.Flush(ctx); err == nil {
		t.Fatal("Flush on a closed store succeeded")
	}
	s.Expose(ctx, tenant.ID, arm, "u3")
	if s.waiting != 1 {
		t.Errorf("after a failed flush, u3's next answer queued %d exposures, want 1", s.waiting)
	}
}
