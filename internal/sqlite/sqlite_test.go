package sqlite_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/sqlite"
	"github.com/recomengine/recomengine/internal/storetest"
)

func TestStores(t *testing.T) {
	storetest.Run(t, func(t *testing.T) recom.Stores {
		return open(t, filepath.Join(t.TempDir(), "recomengine.db")).Stores()
	})
}

func TestOpenCreatesFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	db := open(t, filepath.Join(dir, "recomengine.db"))
	if err := db.Stores().Ping(t.Context()); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "recomengine.db")); err != nil {
		t.Errorf("database file: %v", err)
	}
}

func TestMigrateTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "recomengine.db")
	db := open(t, path) // migrated once
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	// And again after reopening, as a restarted binary does.
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db = open(t, path)
	if _, _, err := db.Stores().Tenants.FindTenants(t.Context(), recom.TenantFilter{}); err != nil {
		t.Errorf("FindTenants after migrating again: %v", err)
	}
}

func TestOpenRejectsMemory(t *testing.T) {
	if db, err := sqlite.Open(context.Background(), ":memory:"); err == nil {
		db.Close()
		t.Error("Open(:memory:) succeeded; want an error (each pooled connection would get its own database)")
	}
}

// open opens and migrates the database at path, closing it when the test ends.
func open(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}
