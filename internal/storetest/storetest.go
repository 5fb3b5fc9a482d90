// Package storetest is the behaviour every recom store adapter must show: the sqlite and
// postgres tests both call Run, so the two adapters cannot drift apart. It imports only
// recom of ours, plus the standard testing package and go-cmp.
package storetest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/recomengine/recomengine/internal/recom"
)

// t0 has microseconds, the precision every store must keep.
var t0 = time.Date(2026, 11, 25, 9, 30, 0, 123456000, time.UTC)

// Run runs the behaviour suite. open must return the stores of a fresh, migrated, empty
// database and close it when the test ends; each subtest calls it once.
func Run(t *testing.T, open func(t *testing.T) recom.Stores) {
	tests := []struct {
		name string
		run  func(t *testing.T, s recom.Stores)
	}{
		{"AdminCreateAndFind", testAdminCreateAndFind},
		{"AdminEmailTaken", testAdminEmailTaken},
		{"AdminNotFound", testAdminNotFound},
		{"CreateFillsIDAndTimes", testCreateFillsIDAndTimes},
		{"TenantRoundTrip", testTenantRoundTrip},
		{"TenantNotFound", testTenantNotFound},
		{"TenantList", testTenantList},
		{"TenantUpdate", testTenantUpdate},
		{"WidgetRoundTrip", testWidgetRoundTrip},
		{"WidgetTenantIsolation", testWidgetTenantIsolation},
		{"APIKeyLifecycle", testAPIKeyLifecycle},
		{"APIKeyTenantIsolation", testAPIKeyTenantIsolation},
		{"APIKeyUnknownTenant", testAPIKeyUnknownTenant},
		{"APIKeyMaxActive", testAPIKeyMaxActive},
		{"APIKeyMaxActiveConcurrent", testAPIKeyMaxActiveConcurrent},
		{"APIKeyTouch", testAPIKeyTouch},
		{"RefreshTokenRotate", testRefreshTokenRotate},
		{"RefreshTokenRevokeFamily", testRefreshTokenRevokeFamily},
		{"RefreshTokenRotateConcurrent", testRefreshTokenRotateConcurrent},
		{"CatalogUpsert", testCatalogUpsert},
		{"CatalogRoundTrip", testCatalogRoundTrip},
		{"CatalogFilters", testCatalogFilters},
		{"CatalogDelete", testCatalogDelete},
		{"CatalogTenantIsolation", testCatalogTenantIsolation},
		{"CatalogMissingProducts", testCatalogMissingProducts},
		{"CatalogFindItemsByIDs", testCatalogFindItemsByIDs},
		{"CatalogUnknownTenant", testCatalogUnknownTenant},
		{"EventDedupPerTenant", testEventDedupPerTenant},
		{"EventDuplicateInBatch", testEventDuplicateInBatch},
		{"EventMixedTenants", testEventMixedTenants},
		{"EventRoundTrip", testEventRoundTrip},
		{"EventMetadataKept", testEventMetadataKept},
		{"EventTimes", testEventTimes},
		{"EventFind", testEventFind},
		{"EventLargeBatch", testEventLargeBatch},
		{"EventUnknownTenant", testEventUnknownTenant},
		{"EventEmpty", testEventEmpty},
		{"EventScan", testEventScan},
		{"EventScanChunks", testEventScanChunks},
		{"EventScanBetween", testEventScanBetween},
		{"AnalyticsMarks", testAnalyticsMarks},
		{"AnalyticsStaleDays", testAnalyticsStaleDays},
		{"AnalyticsReplaceDay", testAnalyticsReplaceDay},
		{"AnalyticsAttributionOnce", testAnalyticsAttributionOnce},
		{"AnalyticsAttributions", testAnalyticsAttributions},
		{"AnalyticsDaily", testAnalyticsDaily},
		{"AnalyticsProductTotals", testAnalyticsProductTotals},
		{"AnalyticsExclusive", testAnalyticsExclusive},
		{"ExperimentRoundTrip", testExperimentRoundTrip},
		{"ExperimentNotFound", testExperimentNotFound},
		{"ExperimentList", testExperimentList},
		{"ExperimentOnePerPlacement", testExperimentOnePerPlacement},
		{"ExperimentStartConcurrent", testExperimentStartConcurrent},
		{"ExperimentLostUpdate", testExperimentLostUpdate},
		{"ExperimentExposures", testExperimentExposures},
		{"ExperimentUserDays", testExperimentUserDays},
		{"ModelSaveAndLoad", testModelSaveAndLoad},
		{"ModelNewestWins", testModelNewestWins},
		{"ModelNewestWinsConcurrent", testModelNewestWinsConcurrent},
		{"Ping", testPing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

func testAdminCreateAndFind(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	want := recom.Admin{ID: recom.NewID(), Email: "ada@example.com",
		PasswordHash: "$2a$04$hash", Role: recom.RoleSuperAdmin, CreatedAt: t0}
	created, err := s.Admins.CreateAdmin(ctx, want)
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	if diff := cmp.Diff(want, created); diff != "" {
		t.Errorf("CreateAdmin returned (-want +got):\n%s", diff)
	}
	byEmail, err := s.Admins.FindAdminByEmail(ctx, "ada@example.com")
	if err != nil {
		t.Fatalf("FindAdminByEmail: %v", err)
	}
	if diff := cmp.Diff(want, byEmail); diff != "" {
		t.Errorf("FindAdminByEmail (-want +got):\n%s", diff)
	}
	wantUTC(t, "admin CreatedAt", byEmail.CreatedAt)
	byID, err := s.Admins.FindAdminByID(ctx, want.ID)
	if err != nil {
		t.Fatalf("FindAdminByID: %v", err)
	}
	if diff := cmp.Diff(want, byID); diff != "" {
		t.Errorf("FindAdminByID (-want +got):\n%s", diff)
	}
}

func testAdminEmailTaken(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	first := newAdmin(t, s, "ada@example.com")
	_, err := s.Admins.CreateAdmin(ctx, recom.Admin{ID: recom.NewID(), Email: "ada@example.com",
		PasswordHash: "x", Role: recom.RoleAdmin, CreatedAt: t0})
	wantError(t, "CreateAdmin with a taken email", err, recom.CodeConflict,
		"An admin with this email already exists.")
	if got, err := s.Admins.FindAdminByEmail(ctx, "ada@example.com"); err != nil || got.ID != first.ID {
		t.Errorf("FindAdminByEmail = %q, %v; want the first admin %q", got.ID, err, first.ID)
	}
}

func testAdminNotFound(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	newAdmin(t, s, "ada@example.com")
	_, err := s.Admins.FindAdminByEmail(ctx, "bob@example.com")
	wantCode(t, "FindAdminByEmail of an unknown email", err, recom.CodeNotFound)
	_, err = s.Admins.FindAdminByID(ctx, recom.NewID())
	wantCode(t, "FindAdminByID of an unknown id", err, recom.CodeNotFound)
}

// testCreateFillsIDAndTimes: a zero ID or CreatedAt is filled in by the store.
func testCreateFillsIDAndTimes(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	before := recom.Now()
	admin, err := s.Admins.CreateAdmin(ctx, recom.Admin{Email: "ada@example.com", PasswordHash: "x",
		Role: recom.RoleAdmin})
	if err != nil {
		t.Fatalf("CreateAdmin: %v", err)
	}
	if admin.ID == "" || admin.CreatedAt.Before(before) {
		t.Errorf("CreateAdmin = id %q created %v; want an id and a time from %v", admin.ID, admin.CreatedAt, before)
	}
	if got, err := s.Admins.FindAdminByID(ctx, admin.ID); err != nil || !cmp.Equal(got, admin) {
		t.Errorf("FindAdminByID = %+v, %v; want %+v", got, err, admin)
	}

	tenant, err := s.Tenants.CreateTenant(ctx, recom.Tenant{OwnerID: admin.ID, Name: "Shop",
		Status: recom.TenantActive, Config: recom.DefaultTenantConfig()})
	if err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	if tenant.ID == "" || tenant.CreatedAt.Before(before) || !tenant.UpdatedAt.Equal(tenant.CreatedAt) {
		t.Errorf("CreateTenant = id %q created %v updated %v; want an id and equal times from %v",
			tenant.ID, tenant.CreatedAt, tenant.UpdatedAt, before)
	}
	if got, err := s.Tenants.FindTenantByID(ctx, tenant.ID); err != nil || !cmp.Equal(got, tenant) {
		t.Errorf("FindTenantByID = %+v, %v; want %+v", got, err, tenant)
	}

	k := newKey("Server")
	k.ID, k.CreatedAt = "", time.Time{}
	key, err := s.APIKeys.CreateAPIKey(ctx, tenant.ID, k, recom.MaxActiveAPIKeys)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	if key.ID == "" || key.CreatedAt.Before(before) {
		t.Errorf("CreateAPIKey = id %q created %v; want an id and a time from %v", key.ID, key.CreatedAt, before)
	}
	if got, err := s.APIKeys.FindAPIKeyByHash(ctx, k.Hash); err != nil || !cmp.Equal(got, key) {
		t.Errorf("FindAPIKeyByHash = %+v, %v; want %+v", got, err, key)
	}
}

func testTenantRoundTrip(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	configs := map[string]recom.TenantConfig{
		"default": recom.DefaultTenantConfig(),
		"tuned": {
			DefaultStrategy:          "trending",
			AllowedOrigins:           []string{"https://shop.example", "http://localhost:5173"},
			ColdStartMinEvents:       3,
			AttributionWindowMinutes: 45,
			RateLimits:               recom.RateLimits{ReadsPerMinute: 120, WritesPerMinute: 60},
			Currency:                 "EUR",
		},
		"no origins": {DefaultStrategy: "content_based", Currency: "GBP"}, // nil AllowedOrigins stays nil
	}
	for name, config := range configs {
		want := recom.Tenant{ID: recom.NewID(), OwnerID: owner.ID, Name: "Shop " + name,
			Status: recom.TenantActive, Config: config, CreatedAt: t0, UpdatedAt: t0.Add(time.Second)}
		created, err := s.Tenants.CreateTenant(ctx, want)
		if err != nil {
			t.Fatalf("CreateTenant %s: %v", name, err)
		}
		if diff := cmp.Diff(want, created); diff != "" {
			t.Errorf("CreateTenant %s returned (-want +got):\n%s", name, diff)
		}
		got, err := s.Tenants.FindTenantByID(ctx, want.ID)
		if err != nil {
			t.Fatalf("FindTenantByID %s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FindTenantByID %s (-want +got):\n%s", name, diff)
		}
		wantUTC(t, "tenant CreatedAt", got.CreatedAt)
		wantUTC(t, "tenant UpdatedAt", got.UpdatedAt)
	}
}

func testTenantNotFound(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	newTenant(t, s, owner.ID, t0)
	_, err := s.Tenants.FindTenantByID(ctx, recom.NewID())
	wantError(t, "FindTenantByID of an unknown id", err, recom.CodeNotFound, "Tenant not found.")
	_, err = s.Tenants.UpdateTenant(ctx, recom.Tenant{ID: recom.NewID(), OwnerID: owner.ID,
		Name: "Ghost", Status: recom.TenantActive, Config: recom.DefaultTenantConfig()})
	wantError(t, "UpdateTenant of an unknown id", err, recom.CodeNotFound, "Tenant not found.")
	_, err = s.Tenants.CreateTenant(ctx, recom.Tenant{ID: recom.NewID(), OwnerID: recom.NewID(),
		Name: "Orphan", Status: recom.TenantActive, Config: recom.DefaultTenantConfig(), CreatedAt: t0})
	wantCode(t, "CreateTenant with an unknown owner", err, recom.CodeNotFound)
}

func testTenantList(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	a, b := newAdmin(t, s, "ada@example.com"), newAdmin(t, s, "bob@example.com")
	a1 := newTenant(t, s, a.ID, t0)
	a2 := newTenant(t, s, a.ID, t0.Add(time.Minute))
	b1 := newTenant(t, s, b.ID, t0.Add(90*time.Second))
	a3 := newTenant(t, s, a.ID, t0.Add(2*time.Minute))
	a3.Status = recom.TenantDeleted
	if _, err := s.Tenants.UpdateTenant(ctx, a3); err != nil {
		t.Fatalf("UpdateTenant (delete): %v", err)
	}
	// Two tenants created in the same microsecond: the larger id comes first.
	x, y := newTenant(t, s, a.ID, t0.Add(3*time.Minute)), newTenant(t, s, a.ID, t0.Add(3*time.Minute))
	if x.ID < y.ID {
		x, y = y, x
	}

	tests := []struct {
		name      string
		filter    recom.TenantFilter
		wantIDs   []string
		wantTotal int
	}{
		{"owner", recom.TenantFilter{OwnerID: a.ID},
			[]string{x.ID, y.ID, a2.ID, a1.ID}, 4},
		{"owner with deleted", recom.TenantFilter{OwnerID: a.ID, IncludeDeleted: true},
			[]string{x.ID, y.ID, a3.ID, a2.ID, a1.ID}, 5},
		{"every owner", recom.TenantFilter{},
			[]string{x.ID, y.ID, b1.ID, a2.ID, a1.ID}, 5},
		{"every owner with deleted", recom.TenantFilter{IncludeDeleted: true},
			[]string{x.ID, y.ID, a3.ID, b1.ID, a2.ID, a1.ID}, 6},
		{"other owner", recom.TenantFilter{OwnerID: b.ID}, []string{b1.ID}, 1},
		{"unknown owner", recom.TenantFilter{OwnerID: recom.NewID()}, []string{}, 0},
		{"page", recom.TenantFilter{OwnerID: a.ID, Page: recom.Page{Limit: 2, Offset: 1}},
			[]string{y.ID, a2.ID}, 4},
		{"first page", recom.TenantFilter{OwnerID: a.ID, Page: recom.Page{Limit: 2}},
			[]string{x.ID, y.ID}, 4},
		{"last page", recom.TenantFilter{OwnerID: a.ID, Page: recom.Page{Limit: 3, Offset: 3}},
			[]string{a1.ID}, 4},
		{"past the end", recom.TenantFilter{OwnerID: a.ID, Page: recom.Page{Limit: 2, Offset: 10}},
			[]string{}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.Tenants.FindTenants(ctx, tt.filter)
			if err != nil {
				t.Fatalf("FindTenants: %v", err)
			}
			if got == nil {
				t.Error("FindTenants returned a nil slice; want an empty one (JSON [])")
			}
			if diff := cmp.Diff(tt.wantIDs, tenantIDs(got)); diff != "" || total != tt.wantTotal {
				t.Errorf("FindTenants total = %d, want %d; ids (-want +got):\n%s", total, tt.wantTotal, diff)
			}
		})
	}
	// Rows come back whole, not just ids.
	got, _, err := s.Tenants.FindTenants(ctx, recom.TenantFilter{OwnerID: b.ID})
	if err != nil || len(got) != 1 {
		t.Fatalf("FindTenants = %v, %v; want one tenant", got, err)
	}
	if diff := cmp.Diff(b1, got[0]); diff != "" {
		t.Errorf("FindTenants row (-want +got):\n%s", diff)
	}
}

func testTenantUpdate(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	orig := newTenant(t, s, owner.ID, t0)

	change := orig
	change.Name = "Renamed shop"
	change.Status = recom.TenantSuspended
	change.Config.AllowedOrigins = []string{"https://a.example", "https://b.example"}
	change.Config.RateLimits = recom.RateLimits{ReadsPerMinute: 10, WritesPerMinute: 5}
	change.Config.DefaultStrategy = "frequently_bought_together"
	change.UpdatedAt = t0.Add(time.Hour)
	want := change
	change.OwnerID = recom.NewID() // not updatable: ignored
	change.CreatedAt = t0.Add(5 * time.Hour)

	got, err := s.Tenants.UpdateTenant(ctx, change)
	if err != nil {
		t.Fatalf("UpdateTenant: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateTenant returned (-want +got):\n%s", diff)
	}
	found, err := s.Tenants.FindTenantByID(ctx, orig.ID)
	if err != nil {
		t.Fatalf("FindTenantByID: %v", err)
	}
	if diff := cmp.Diff(want, found); diff != "" {
		t.Errorf("FindTenantByID after update (-want +got):\n%s", diff)
	}
	wantUTC(t, "tenant UpdatedAt", found.UpdatedAt)

	// A zero UpdatedAt means now.
	before := recom.Now()
	found.UpdatedAt = time.Time{}
	found.Status = recom.TenantActive
	got, err = s.Tenants.UpdateTenant(ctx, found)
	if err != nil {
		t.Fatalf("UpdateTenant: %v", err)
	}
	after := recom.Now()
	if got.UpdatedAt.Before(before) || got.UpdatedAt.After(after) {
		t.Errorf("UpdatedAt = %v, want between %v and %v", got.UpdatedAt, before, after)
	}
	wantUTC(t, "tenant UpdatedAt", got.UpdatedAt)
	if again, err := s.Tenants.FindTenantByID(ctx, orig.ID); err != nil || !cmp.Equal(again, got) {
		t.Errorf("FindTenantByID = %+v, %v; want %+v", again, err, got)
	}
}

func testAPIKeyLifecycle(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	empty, err := s.APIKeys.FindAPIKeys(ctx, tenant.ID)
	if err != nil || empty == nil || len(empty) != 0 {
		t.Fatalf("FindAPIKeys of a tenant without keys = %#v, %v; want an empty slice (JSON [])", empty, err)
	}

	k1, k2 := newKey("Server"), newKey("Browser")
	k2.Type, k2.Permissions, k2.CreatedAt = recom.KeyPublishable, recom.PermRead, t0.Add(time.Second)
	var want []recom.APIKey
	for _, k := range []recom.APIKey{k1, k2} {
		created, err := s.APIKeys.CreateAPIKey(ctx, tenant.ID, k, recom.MaxActiveAPIKeys)
		if err != nil {
			t.Fatalf("CreateAPIKey %s: %v", k.Name, err)
		}
		k.TenantID = tenant.ID // set from the argument
		if diff := cmp.Diff(k, created); diff != "" {
			t.Errorf("CreateAPIKey %s returned (-want +got):\n%s", k.Name, diff)
		}
		want = append(want, k)
	}
	k1, k2 = want[0], want[1]

	keys, err := s.APIKeys.FindAPIKeys(ctx, tenant.ID)
	if err != nil {
		t.Fatalf("FindAPIKeys: %v", err)
	}
	if diff := cmp.Diff([]recom.APIKey{k2, k1}, keys); diff != "" { // newest first
		t.Errorf("FindAPIKeys (-want +got):\n%s", diff)
	}
	got, err := s.APIKeys.FindAPIKeyByHash(ctx, k1.Hash)
	if err != nil {
		t.Fatalf("FindAPIKeyByHash: %v", err)
	}
	if diff := cmp.Diff(k1, got); diff != "" {
		t.Errorf("FindAPIKeyByHash (-want +got):\n%s", diff)
	}
	wantUTC(t, "key CreatedAt", got.CreatedAt)
	_, err = s.APIKeys.FindAPIKeyByHash(ctx, randomBytes())
	wantError(t, "FindAPIKeyByHash of an unknown hash", err, recom.CodeNotFound, "API key not found.")

	revokedAt := t0.Add(time.Hour)
	if err := s.APIKeys.RevokeAPIKey(ctx, tenant.ID, k1.ID, revokedAt); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
	keys, err = s.APIKeys.FindAPIKeys(ctx, tenant.ID)
	if err != nil {
		t.Fatalf("FindAPIKeys: %v", err)
	}
	if diff := cmp.Diff([]recom.APIKey{k2}, keys); diff != "" {
		t.Errorf("FindAPIKeys after revoking %s (-want +got):\n%s", k1.Name, diff)
	}
	// A revoked key is still found by hash, so a request with it gets a clear answer.
	got, err = s.APIKeys.FindAPIKeyByHash(ctx, k1.Hash)
	if err != nil {
		t.Fatalf("FindAPIKeyByHash of a revoked key: %v", err)
	}
	if got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
		t.Errorf("RevokedAt = %v, want %v", got.RevokedAt, revokedAt)
	} else {
		wantUTC(t, "key RevokedAt", *got.RevokedAt)
	}

	err = s.APIKeys.RevokeAPIKey(ctx, tenant.ID, k1.ID, revokedAt.Add(time.Minute))
	wantError(t, "second RevokeAPIKey", err, recom.CodeNotFound, "API key not found.")
	err = s.APIKeys.RevokeAPIKey(ctx, tenant.ID, recom.NewID(), revokedAt)
	wantCode(t, "RevokeAPIKey of an unknown key", err, recom.CodeNotFound)
	if got, _ := s.APIKeys.FindAPIKeyByHash(ctx, k1.Hash); got.RevokedAt == nil || !got.RevokedAt.Equal(revokedAt) {
		t.Errorf("RevokedAt after a second revoke = %v, want it kept at %v", got.RevokedAt, revokedAt)
	}
}

// testAPIKeyTenantIsolation: a key id of another tenant behaves as unknown (FR-004).
func testAPIKeyTenantIsolation(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	mine, theirs := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	k := newKey("Server")
	key, err := s.APIKeys.CreateAPIKey(ctx, mine.ID, k, recom.MaxActiveAPIKeys)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}

	err = s.APIKeys.RevokeAPIKey(ctx, theirs.ID, key.ID, t0.Add(time.Hour))
	wantCode(t, "RevokeAPIKey from another tenant", err, recom.CodeNotFound)
	err = s.APIKeys.TouchAPIKey(ctx, theirs.ID, key.ID, t0.Add(time.Hour))
	wantCode(t, "TouchAPIKey from another tenant", err, recom.CodeNotFound)
	if keys, err := s.APIKeys.FindAPIKeys(ctx, theirs.ID); err != nil || len(keys) != 0 {
		t.Errorf("FindAPIKeys of the other tenant = %v, %v; want none", keys, err)
	}
	keys, err := s.APIKeys.FindAPIKeys(ctx, mine.ID)
	if err != nil {
		t.Fatalf("FindAPIKeys: %v", err)
	}
	if diff := cmp.Diff([]recom.APIKey{key}, keys); diff != "" {
		t.Errorf("FindAPIKeys of the owning tenant (-want +got):\n%s", diff)
	}
	if got, err := s.APIKeys.FindAPIKeyByHash(ctx, k.Hash); err != nil || got.TenantID != mine.ID {
		t.Errorf("FindAPIKeyByHash = tenant %q, %v; want %q", got.TenantID, err, mine.ID)
	}
}

func testAPIKeyUnknownTenant(t *testing.T, s recom.Stores) {
	k := newKey("Server")
	_, err := s.APIKeys.CreateAPIKey(t.Context(), recom.NewID(), k, recom.MaxActiveAPIKeys)
	wantError(t, "CreateAPIKey for an unknown tenant", err, recom.CodeNotFound, "Tenant not found.")
}

// testAPIKeyMaxActive: the 11th active key is a conflict, and revoking one makes room (FR-006).
func testAPIKeyMaxActive(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	var first recom.APIKey
	for i := range recom.MaxActiveAPIKeys {
		k, err := s.APIKeys.CreateAPIKey(ctx, tenant.ID, newKey(fmt.Sprint("key ", i)), recom.MaxActiveAPIKeys)
		if err != nil {
			t.Fatalf("CreateAPIKey #%d: %v", i+1, err)
		}
		if i == 0 {
			first = k
		}
	}
	extra := newKey("one too many")
	_, err := s.APIKeys.CreateAPIKey(ctx, tenant.ID, extra, recom.MaxActiveAPIKeys)
	wantError(t, "CreateAPIKey #11", err, recom.CodeConflict,
		"This tenant already has 10 active API keys; revoke one first.")
	_, err = s.APIKeys.FindAPIKeyByHash(ctx, extra.Hash)
	wantCode(t, "FindAPIKeyByHash of the refused key", err, recom.CodeNotFound)
	if keys, err := s.APIKeys.FindAPIKeys(ctx, tenant.ID); err != nil || len(keys) != recom.MaxActiveAPIKeys {
		t.Errorf("FindAPIKeys = %d keys, %v; want %d", len(keys), err, recom.MaxActiveAPIKeys)
	}

	if _, err := s.APIKeys.CreateAPIKey(ctx, other.ID, newKey("other tenant"), recom.MaxActiveAPIKeys); err != nil {
		t.Errorf("CreateAPIKey for another tenant: %v; the limit is per tenant", err)
	}

	if err := s.APIKeys.RevokeAPIKey(ctx, tenant.ID, first.ID, t0.Add(time.Hour)); err != nil {
		t.Fatalf("RevokeAPIKey: %v", err)
	}
	if _, err := s.APIKeys.CreateAPIKey(ctx, tenant.ID, extra, recom.MaxActiveAPIKeys); err != nil {
		t.Errorf("CreateAPIKey after revoking one: %v", err)
	}
	_, err = s.APIKeys.CreateAPIKey(ctx, tenant.ID, newKey("again too many"), recom.MaxActiveAPIKeys)
	wantCode(t, "CreateAPIKey over the limit again", err, recom.CodeConflict)

	// The message names the limit passed in.
	_, err = s.APIKeys.CreateAPIKey(ctx, other.ID, newKey("small limit"), 1)
	wantError(t, "CreateAPIKey with maxActive 1", err, recom.CodeConflict,
		"This tenant already has 1 active API keys; revoke one first.")
}

// testAPIKeyMaxActiveConcurrent: creations racing for the last slots never pass the limit.
func testAPIKeyMaxActiveConcurrent(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	const n = 2 * recom.MaxActiveAPIKeys
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = s.APIKeys.CreateAPIKey(ctx, tenant.ID, newKey(fmt.Sprint("key ", i)), recom.MaxActiveAPIKeys)
		})
	}
	wg.Wait()
	created, refused := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			created++
		case recom.ErrorCode(err) == recom.CodeConflict:
			refused++
		default:
			t.Errorf("CreateAPIKey #%d: %v; want nil or CodeConflict", i, err)
		}
	}
	if created != recom.MaxActiveAPIKeys || refused != n-recom.MaxActiveAPIKeys {
		t.Errorf("%d concurrent creations: %d created, %d refused; want %d and %d",
			n, created, refused, recom.MaxActiveAPIKeys, n-recom.MaxActiveAPIKeys)
	}
	if keys, err := s.APIKeys.FindAPIKeys(ctx, tenant.ID); err != nil || len(keys) != recom.MaxActiveAPIKeys {
		t.Errorf("FindAPIKeys = %d keys, %v; want %d", len(keys), err, recom.MaxActiveAPIKeys)
	}
}

// testAPIKeyTouch: touching records the last use and never moves it back.
func testAPIKeyTouch(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	k := newKey("Server")
	key, err := s.APIKeys.CreateAPIKey(ctx, tenant.ID, k, recom.MaxActiveAPIKeys)
	if err != nil {
		t.Fatalf("CreateAPIKey: %v", err)
	}
	steps := []struct{ touch, want time.Time }{
		{t0.Add(time.Minute), t0.Add(time.Minute)},
		{t0.Add(30 * time.Second), t0.Add(time.Minute)}, // a late, older touch
		{t0.Add(2*time.Minute + time.Microsecond), t0.Add(2*time.Minute + time.Microsecond)},
	}
	for _, step := range steps {
		if err := s.APIKeys.TouchAPIKey(ctx, tenant.ID, key.ID, step.touch); err != nil {
			t.Fatalf("TouchAPIKey(%v): %v", step.touch, err)
		}
		got, err := s.APIKeys.FindAPIKeyByHash(ctx, k.Hash)
		if err != nil {
			t.Fatalf("FindAPIKeyByHash: %v", err)
		}
		if got.LastUsedAt == nil || !got.LastUsedAt.Equal(step.want) {
			t.Errorf("after TouchAPIKey(%v) LastUsedAt = %v, want %v", step.touch, got.LastUsedAt, step.want)
			continue
		}
		wantUTC(t, "key LastUsedAt", *got.LastUsedAt)
	}
	keys, err := s.APIKeys.FindAPIKeys(ctx, tenant.ID)
	if err != nil || len(keys) != 1 || keys[0].LastUsedAt == nil || !keys[0].LastUsedAt.Equal(steps[2].want) {
		t.Errorf("FindAPIKeys = %+v, %v; want one key last used at %v", keys, err, steps[2].want)
	}
	err = s.APIKeys.TouchAPIKey(ctx, tenant.ID, recom.NewID(), t0)
	wantCode(t, "TouchAPIKey of an unknown key", err, recom.CodeNotFound)
}

func testRefreshTokenRotate(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	admin := newAdmin(t, s, "ada@example.com")
	family := recom.NewID()
	first := newRefreshToken(admin.ID, family, t0)
	if err := s.RefreshTokens.CreateRefreshToken(ctx, first); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	got, err := s.RefreshTokens.FindRefreshToken(ctx, first.Hash)
	if err != nil {
		t.Fatalf("FindRefreshToken: %v", err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("FindRefreshToken (-want +got):\n%s", diff)
	}
	wantUTC(t, "token ExpiresAt", got.ExpiresAt)
	_, err = s.RefreshTokens.FindRefreshToken(ctx, randomBytes())
	wantError(t, "FindRefreshToken of an unknown hash", err, recom.CodeNotFound, "Refresh token not found.")

	second := newRefreshToken(admin.ID, family, t0.Add(time.Hour))
	before := recom.Now()
	if err := s.RefreshTokens.RotateRefreshToken(ctx, first.ID, second); err != nil {
		t.Fatalf("RotateRefreshToken: %v", err)
	}
	got, err = s.RefreshTokens.FindRefreshToken(ctx, first.Hash)
	if err != nil {
		t.Fatalf("FindRefreshToken of the rotated token: %v", err)
	}
	if got.RotatedAt == nil || got.RotatedAt.Before(before) || got.RevokedAt != nil {
		t.Errorf("rotated token: RotatedAt = %v, RevokedAt = %v; want a time from %v and nil",
			got.RotatedAt, got.RevokedAt, before)
	} else {
		wantUTC(t, "token RotatedAt", *got.RotatedAt)
	}
	if got, err := s.RefreshTokens.FindRefreshToken(ctx, second.Hash); err != nil || !cmp.Equal(got, second) {
		t.Errorf("FindRefreshToken of the successor = %+v, %v; want %+v", got, err, second)
	}

	// Presenting the first token again is a reuse: refused, and nothing is stored.
	third := newRefreshToken(admin.ID, family, t0.Add(2*time.Hour))
	err = s.RefreshTokens.RotateRefreshToken(ctx, first.ID, third)
	wantCode(t, "RotateRefreshToken of a rotated token", err, recom.CodeConflict)
	_, err = s.RefreshTokens.FindRefreshToken(ctx, third.Hash)
	wantCode(t, "FindRefreshToken of a refused successor", err, recom.CodeNotFound)

	err = s.RefreshTokens.RotateRefreshToken(ctx, recom.NewID(), third)
	wantCode(t, "RotateRefreshToken of an unknown token", err, recom.CodeConflict)
}

func testRefreshTokenRevokeFamily(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	admin := newAdmin(t, s, "ada@example.com")
	family, otherFamily := recom.NewID(), recom.NewID()
	first, second := newRefreshToken(admin.ID, family, t0), newRefreshToken(admin.ID, family, t0.Add(time.Hour))
	other := newRefreshToken(admin.ID, otherFamily, t0)
	for _, tok := range []recom.RefreshToken{first, other} {
		if err := s.RefreshTokens.CreateRefreshToken(ctx, tok); err != nil {
			t.Fatalf("CreateRefreshToken: %v", err)
		}
	}
	if err := s.RefreshTokens.RotateRefreshToken(ctx, first.ID, second); err != nil {
		t.Fatalf("RotateRefreshToken: %v", err)
	}

	if err := s.RefreshTokens.RevokeRefreshFamily(ctx, family); err != nil {
		t.Fatalf("RevokeRefreshFamily: %v", err)
	}
	revoked := map[string]*time.Time{}
	for _, tok := range []recom.RefreshToken{first, second} {
		got, err := s.RefreshTokens.FindRefreshToken(ctx, tok.Hash)
		if err != nil {
			t.Fatalf("FindRefreshToken: %v", err)
		}
		if got.RevokedAt == nil {
			t.Errorf("token %s of the revoked family has no RevokedAt", tok.ID)
			continue
		}
		wantUTC(t, "token RevokedAt", *got.RevokedAt)
		revoked[tok.ID] = got.RevokedAt
	}
	if got, err := s.RefreshTokens.FindRefreshToken(ctx, other.Hash); err != nil || got.RevokedAt != nil {
		t.Errorf("token of another family: RevokedAt = %v, %v; want nil", got.RevokedAt, err)
	}

	next := newRefreshToken(admin.ID, family, t0.Add(2*time.Hour))
	err := s.RefreshTokens.RotateRefreshToken(ctx, second.ID, next)
	wantCode(t, "RotateRefreshToken of a revoked token", err, recom.CodeConflict)
	_, err = s.RefreshTokens.FindRefreshToken(ctx, next.Hash)
	wantCode(t, "FindRefreshToken of a refused successor", err, recom.CodeNotFound)

	// Revoking again keeps the first revocation time.
	if err := s.RefreshTokens.RevokeRefreshFamily(ctx, family); err != nil {
		t.Fatalf("second RevokeRefreshFamily: %v", err)
	}
	if got, err := s.RefreshTokens.FindRefreshToken(ctx, first.Hash); err != nil ||
		got.RevokedAt == nil || revoked[first.ID] == nil || !got.RevokedAt.Equal(*revoked[first.ID]) {
		t.Errorf("RevokedAt after a second revoke = %v, %v; want %v", got.RevokedAt, err, revoked[first.ID])
	}
}

// testRefreshTokenRotateConcurrent: of requests racing with one token, one wins.
func testRefreshTokenRotateConcurrent(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	admin := newAdmin(t, s, "ada@example.com")
	family := recom.NewID()
	first := newRefreshToken(admin.ID, family, t0)
	if err := s.RefreshTokens.CreateRefreshToken(ctx, first); err != nil {
		t.Fatalf("CreateRefreshToken: %v", err)
	}
	const n = 10
	nexts, errs := make([]recom.RefreshToken, n), make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		nexts[i] = newRefreshToken(admin.ID, family, t0.Add(time.Hour))
		wg.Go(func() { errs[i] = s.RefreshTokens.RotateRefreshToken(ctx, first.ID, nexts[i]) })
	}
	wg.Wait()
	won := 0
	for i, err := range errs {
		_, findErr := s.RefreshTokens.FindRefreshToken(ctx, nexts[i].Hash)
		switch {
		case err == nil:
			won++
			if findErr != nil {
				t.Errorf("successor of the winning rotation #%d: %v", i, findErr)
			}
		case recom.ErrorCode(err) == recom.CodeConflict:
			if !recom.IsNotFound(findErr) {
				t.Errorf("successor of refused rotation #%d was stored (err %v)", i, findErr)
			}
		default:
			t.Errorf("RotateRefreshToken #%d: %v; want nil or CodeConflict", i, err)
		}
	}
	if won != 1 {
		t.Errorf("%d concurrent rotations of one token: %d succeeded, want 1", n, won)
	}
}

func testPing(t *testing.T, s recom.Stores) {
	if s.Name == "" {
		t.Error("Stores.Name is empty")
	}
	if s.Ping == nil {
		t.Fatal("Stores.Ping is nil")
	}
	if err := s.Ping(t.Context()); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

// newAdmin stores an admin with the email.
func newAdmin(t *testing.T, s recom.Stores, email string) recom.Admin {
	t.Helper()
	a, err := s.Admins.CreateAdmin(t.Context(), recom.Admin{ID: recom.NewID(), Email: email,
		PasswordHash: "$2a$04$hash", Role: recom.RoleAdmin, CreatedAt: t0})
	if err != nil {
		t.Fatalf("CreateAdmin %s: %v", email, err)
	}
	return a
}

// newTenant stores an active tenant of the owner, created at the given time.
func newTenant(t *testing.T, s recom.Stores, ownerID string, createdAt time.Time) recom.Tenant {
	t.Helper()
	tenant, err := s.Tenants.CreateTenant(t.Context(), recom.Tenant{ID: recom.NewID(), OwnerID: ownerID,
		Name: "Shop", Status: recom.TenantActive, Config: recom.DefaultTenantConfig(),
		CreatedAt: createdAt, UpdatedAt: createdAt})
	if err != nil {
		t.Fatalf("CreateTenant: %v", err)
	}
	return tenant
}

// newKey returns an unsaved secret read-write key with a random hash, created at t0.
func newKey(name string) recom.APIKey {
	return recom.APIKey{ID: recom.NewID(), Name: name, Prefix: "rk_live_abcd", Hash: randomBytes(),
		Permissions: recom.PermReadWrite, Type: recom.KeySecret, CreatedAt: t0}
}

// newRefreshToken returns an unsaved token of the family, valid for 7 days from createdAt.
func newRefreshToken(adminID, familyID string, createdAt time.Time) recom.RefreshToken {
	return recom.RefreshToken{ID: recom.NewID(), AdminID: adminID, FamilyID: familyID,
		Hash: randomBytes(), CreatedAt: createdAt, ExpiresAt: createdAt.Add(7 * 24 * time.Hour)}
}

func randomBytes() []byte {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return b
}

func tenantIDs(tenants []recom.Tenant) []string {
	ids := []string{}
	for _, t := range tenants {
		ids = append(ids, t.ID)
	}
	return ids
}

// wantCode fails the test unless err is a recom.Error with the code.
func wantCode(t *testing.T, what string, err error, code recom.Code) {
	t.Helper()
	if got := recom.ErrorCode(err); err == nil || got != code {
		t.Errorf("%s: err = %v; want code %s", what, err, code)
	}
}

// wantError fails the test unless err is a recom.Error with the code and message: callers
// show the message, so both stores must say the same.
func wantError(t *testing.T, what string, err error, code recom.Code, message string) {
	t.Helper()
	e, ok := errors.AsType[*recom.Error](err)
	if !ok || e.Code != code || e.Message != message {
		t.Errorf("%s: err = %v; want %s: %s", what, err, code, message)
	}
}

// wantUTC fails the test unless tm is in time.UTC: a time read back in time.Local would
// encode with another offset in JSON and golden files.
func wantUTC(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Errorf("%s is in %q, want UTC", what, tm.Location())
	}
}
