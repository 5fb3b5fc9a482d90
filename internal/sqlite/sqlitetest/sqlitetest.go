// Package sqlitetest opens SQLite stores for other packages' tests.
package sqlitetest

import (
	"path/filepath"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/sqlite"
)

// Shop opens a migrated SQLite store in the test's temporary folder, closed when the
// test ends, with one tenant ("Shop", active, default configuration) and its owner.
func Shop(t testing.TB) (*sqlite.DB, recom.Tenant) {
	t.Helper()
	ctx := t.Context()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	st := db.Stores()
	owner, err := st.Admins.CreateAdmin(ctx, recom.Admin{ID: recom.NewID(), Email: "owner@shop.example",
		PasswordHash: "x", Role: recom.RoleAdmin, CreatedAt: recom.Now()})
	if err != nil {
		t.Fatal(err)
	}
	tenant, err := recom.NewTenant(owner.ID, "Shop")
	if err != nil {
		t.Fatal(err)
	}
	if tenant, err = st.Tenants.CreateTenant(ctx, tenant); err != nil {
		t.Fatal(err)
	}
	return db, tenant
}
