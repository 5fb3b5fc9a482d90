package postgres_test

import (
	"sync"
	"testing"

	"github.com/recomengine/recomengine/internal/postgres"
	"github.com/recomengine/recomengine/internal/postgres/pgtest"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/storetest"
)

func TestStores(t *testing.T) {
	storetest.Run(t, func(t *testing.T) recom.Stores {
		return open(t, pgtest.NewDatabase(t)).Stores()
	})
}

func TestMigrateTwice(t *testing.T) {
	db := open(t, pgtest.NewDatabase(t)) // migrated once
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("second Migrate: %v", err)
	}
	if _, _, err := db.Stores().Tenants.FindTenants(t.Context(), recom.TenantFilter{}); err != nil {
		t.Errorf("FindTenants after migrating again: %v", err)
	}
}

// TestMigrateConcurrently: nodes starting together on an empty database all succeed.
func TestMigrateConcurrently(t *testing.T) {
	url := pgtest.NewDatabase(t)
	dbs := make([]*postgres.DB, 3)
	for i := range dbs {
		db, err := postgres.Open(t.Context(), url)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { db.Close() })
		dbs[i] = db
	}
	errs := make([]error, len(dbs))
	var wg sync.WaitGroup
	for i, db := range dbs {
		wg.Go(func() { errs[i] = db.Migrate(t.Context()) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("Migrate #%d: %v", i, err)
		}
	}
}

// open opens and migrates the database at url, closing it when the test ends.
func open(t *testing.T, url string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return db
}
