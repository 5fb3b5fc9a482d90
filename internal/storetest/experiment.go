package storetest

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/recomengine/recomengine/internal/recom"
)

// testExperimentRoundTrip: every field is stored and read back as given, times to the
// microsecond in UTC, optional fields nil or set; an update replaces every field but
// CreatedAt.
func testExperimentRoundTrip(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	mde := 0.075
	started, ended := t0.Add(time.Hour+time.Microsecond), t0.Add(48*time.Hour+7*time.Microsecond)
	draft := newExperiment(tenant.ID, "home", recom.ExperimentDraft, t0)
	full := newExperiment(tenant.ID, "product-page", recom.ExperimentCompleted, t0.Add(time.Second))
	full.Name, full.ControlStrategy, full.VariantStrategy = "Ünïcode FBT vs content", "frequently_bought_together", "content_based"
	full.ControlShare, full.PrimaryMetric, full.Method = 0.3, recom.MetricRevenuePerUser, recom.MethodFixed
	full.TargetMDE, full.StartedAt, full.EndedAt, full.UpdatedAt = &mde, &started, &ended, ended
	for _, want := range []recom.Experiment{draft, full} {
		created, err := s.Experiments.CreateExperiment(ctx, want)
		if err != nil {
			t.Fatalf("CreateExperiment %s: %v", want.Name, err)
		}
		if diff := cmp.Diff(want, created); diff != "" {
			t.Errorf("CreateExperiment %s returned (-want +got):\n%s", want.Name, diff)
		}
		got := findExperiment(t, s, tenant.ID, want.ID)
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("FindExperiment %s (-want +got):\n%s", want.Name, diff)
		}
		wantExperimentUTC(t, got)
	}

	// Set fields become nil and nil ones set; CreatedAt and TenantID stay.
	change := full
	change.Name, change.Placement, change.Status = "Renamed", "cart", recom.ExperimentPaused
	change.ControlStrategy, change.VariantStrategy = "trending", "collaborative"
	change.ControlShare, change.PrimaryMetric, change.Method = 0.5, recom.MetricCTR, recom.MethodSequential
	change.TargetMDE, change.EndedAt, change.UpdatedAt = nil, nil, t0.Add(72*time.Hour+3*time.Microsecond)
	want := change
	change.CreatedAt = t0.Add(99 * time.Hour) // not updatable: ignored
	got, err := s.Experiments.UpdateExperiment(ctx, change, storedAt(t, s, change))
	if err != nil {
		t.Fatalf("UpdateExperiment: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("UpdateExperiment returned (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, findExperiment(t, s, tenant.ID, full.ID)); diff != "" {
		t.Errorf("FindExperiment after update (-want +got):\n%s", diff)
	}
	change = draft
	change.TargetMDE, change.StartedAt, change.Status, change.UpdatedAt = &mde, &started, recom.ExperimentRunning, started
	if got, err := s.Experiments.UpdateExperiment(ctx, change, storedAt(t, s, change)); err != nil || !cmp.Equal(change, got) {
		t.Errorf("UpdateExperiment setting optional fields = %+v, %v; want %+v", got, err, change)
	}
	if diff := cmp.Diff(change, findExperiment(t, s, tenant.ID, draft.ID)); diff != "" {
		t.Errorf("FindExperiment after setting optional fields (-want +got):\n%s", diff)
	}

	// A zero UpdatedAt means now.
	before := recom.Now()
	change.UpdatedAt = time.Time{}
	got, err = s.Experiments.UpdateExperiment(ctx, change, storedAt(t, s, change))
	if err != nil || got.UpdatedAt.Before(before) || got.UpdatedAt.After(recom.Now()) {
		t.Errorf("UpdateExperiment with a zero UpdatedAt = %v, %v; want now", got.UpdatedAt, err)
	}
	wantUTC(t, "experiment UpdatedAt", got.UpdatedAt)
}

// testExperimentNotFound: another tenant's experiment is not found, nor updated; an
// unknown tenant cannot create one.
func testExperimentNotFound(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	e := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentDraft, t0))
	_, err := s.Experiments.FindExperiment(ctx, other.ID, e.ID)
	wantError(t, "FindExperiment of another tenant's experiment", err, recom.CodeNotFound, "Experiment not found.")
	_, err = s.Experiments.FindExperiment(ctx, tenant.ID, recom.NewID())
	wantError(t, "FindExperiment of an unknown id", err, recom.CodeNotFound, "Experiment not found.")

	theirs := e
	theirs.TenantID, theirs.Name = other.ID, "Hijacked"
	_, err = s.Experiments.UpdateExperiment(ctx, theirs, e.UpdatedAt)
	wantError(t, "UpdateExperiment of another tenant's experiment", err, recom.CodeNotFound, "Experiment not found.")
	ghost := newExperiment(tenant.ID, "home", recom.ExperimentDraft, t0)
	_, err = s.Experiments.UpdateExperiment(ctx, ghost, ghost.UpdatedAt)
	wantError(t, "UpdateExperiment of an unknown id", err, recom.CodeNotFound, "Experiment not found.")
	if got := findExperiment(t, s, tenant.ID, e.ID); !cmp.Equal(e, got) {
		t.Errorf("experiment after another tenant's update = %+v, want unchanged %+v", got, e)
	}

	_, err = s.Experiments.CreateExperiment(ctx, newExperiment(recom.NewID(), "home", recom.ExperimentDraft, t0))
	wantCode(t, "CreateExperiment of an unknown tenant", err, recom.CodeNotFound)
	_, err = s.Experiments.CreateExperiment(ctx, e)
	wantError(t, "CreateExperiment with a taken id", err, recom.CodeConflict, "An experiment with this id already exists.")
	if got, total, err := s.Experiments.FindExperiments(ctx, other.ID, recom.ExperimentFilter{}); err != nil ||
		got == nil || len(got) != 0 || total != 0 {
		t.Errorf("FindExperiments of a tenant without any = %#v, %d, %v; want an empty slice (JSON []), 0", got, total, err)
	}
	if got, err := s.Experiments.ActiveExperiments(ctx, other.ID); err != nil || got == nil || len(got) != 0 {
		t.Errorf("ActiveExperiments of a tenant without any = %#v, %v; want an empty slice", got, err)
	}
}

// testExperimentList: newest first (then by id, descending), filtered by status and
// placement, with the total before paging; none of another tenant's.
func testExperimentList(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	e1 := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentCompleted, t0))
	e2 := createExperiment(t, s, newExperiment(tenant.ID, "cart", recom.ExperimentDraft, t0.Add(time.Minute)))
	e3 := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentRunning, t0.Add(2*time.Minute)))
	createExperiment(t, s, newExperiment(other.ID, "home", recom.ExperimentDraft, t0.Add(3*time.Minute)))
	// Two created in the same microsecond: the larger id comes first.
	x := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentDraft, t0.Add(4*time.Minute)))
	y := createExperiment(t, s, newExperiment(tenant.ID, "cart", recom.ExperimentDraft, t0.Add(4*time.Minute)))
	hi, lo := x, y
	if hi.ID < lo.ID {
		hi, lo = lo, hi
	}
	for _, tt := range []struct {
		name      string
		f         recom.ExperimentFilter
		want      []recom.Experiment
		wantTotal int
	}{
		{"all", recom.ExperimentFilter{}, []recom.Experiment{hi, lo, e3, e2, e1}, 5},
		{"status", recom.ExperimentFilter{Status: recom.ExperimentDraft}, []recom.Experiment{hi, lo, e2}, 3},
		{"placement", recom.ExperimentFilter{Placement: "home"}, []recom.Experiment{x, e3, e1}, 3},
		{"both", recom.ExperimentFilter{Status: recom.ExperimentDraft, Placement: "cart"}, []recom.Experiment{y, e2}, 2},
		{"none", recom.ExperimentFilter{Status: recom.ExperimentPaused}, []recom.Experiment{}, 0},
		{"first page", recom.ExperimentFilter{Page: recom.Page{Limit: 2}}, []recom.Experiment{hi, lo}, 5},
		{"page", recom.ExperimentFilter{Page: recom.Page{Limit: 2, Offset: 2}}, []recom.Experiment{e3, e2}, 5},
		{"last page", recom.ExperimentFilter{Page: recom.Page{Limit: 2, Offset: 4}}, []recom.Experiment{e1}, 5},
		{"past the end", recom.ExperimentFilter{Page: recom.Page{Limit: 2, Offset: 10}}, []recom.Experiment{}, 5},
		{"offset without limit", recom.ExperimentFilter{Page: recom.Page{Offset: 3}}, []recom.Experiment{e2, e1}, 5},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, total, err := s.Experiments.FindExperiments(ctx, tenant.ID, tt.f)
			if err != nil {
				t.Fatalf("FindExperiments: %v", err)
			}
			if got == nil {
				t.Error("FindExperiments returned a nil slice; want an empty one (JSON [])")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" || total != tt.wantTotal {
				t.Errorf("FindExperiments total = %d, want %d; (-want +got):\n%s", total, tt.wantTotal, diff)
			}
		})
	}
}

// testExperimentOnePerPlacement: one running or paused experiment per placement of a
// tenant (FR-019), whether it becomes active by creation or by update; a completed one
// frees the placement; other placements and tenants are independent.
func testExperimentOnePerPlacement(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	const conflict = `Another experiment is running or paused on placement "home".`
	running := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentRunning, t0))
	_, err := s.Experiments.CreateExperiment(ctx, newExperiment(tenant.ID, "home", recom.ExperimentRunning, t0))
	wantError(t, "CreateExperiment running on a held placement", err, recom.CodeConflict, conflict)
	_, err = s.Experiments.CreateExperiment(ctx, newExperiment(tenant.ID, "home", recom.ExperimentPaused, t0))
	wantError(t, "CreateExperiment paused on a held placement", err, recom.CodeConflict, conflict)

	// Drafts and completed ones do not hold it; other placements and tenants are free.
	draft := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentDraft, t0.Add(time.Second)))
	createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentCompleted, t0.Add(time.Second)))
	cart := createExperiment(t, s, newExperiment(tenant.ID, "cart", recom.ExperimentRunning, t0.Add(time.Second)))
	theirs := createExperiment(t, s, newExperiment(other.ID, "home", recom.ExperimentRunning, t0))

	start := func(e recom.Experiment) (recom.Experiment, error) {
		prev := storedAt(t, s, e)
		e.Status, e.UpdatedAt = recom.ExperimentRunning, e.UpdatedAt.Add(time.Minute)
		return s.Experiments.UpdateExperiment(ctx, e, prev)
	}
	_, err = start(draft)
	wantError(t, "UpdateExperiment of a draft to running on a held placement", err, recom.CodeConflict, conflict)
	moved := draft
	moved.Placement = "cart" // placement is in the message
	moved.Status = recom.ExperimentPaused
	_, err = s.Experiments.UpdateExperiment(ctx, moved, storedAt(t, s, moved))
	wantError(t, "UpdateExperiment of a draft to paused on another held placement", err, recom.CodeConflict,
		`Another experiment is running or paused on placement "cart".`)
	if got := findExperiment(t, s, tenant.ID, draft.ID); !cmp.Equal(draft, got) {
		t.Errorf("draft after refused updates = %+v, want unchanged %+v", got, draft)
	}

	// An active one may be updated in place, and paused: it still holds the placement.
	paused := running
	paused.Status, paused.Name = recom.ExperimentPaused, "Paused"
	paused = updateExperiment(t, s, paused)
	_, err = start(draft)
	wantError(t, "UpdateExperiment to running beside a paused one", err, recom.CodeConflict, conflict)
	wantActive(t, s, tenant.ID, cart, paused)
	wantActive(t, s, other.ID, theirs)

	// Completing it frees the placement.
	done := paused
	done.Status = recom.ExperimentCompleted
	updateExperiment(t, s, done)
	started, err := start(draft)
	if err != nil {
		t.Fatalf("UpdateExperiment to running on a freed placement: %v", err)
	}
	wantActive(t, s, tenant.ID, cart, started)
}

// testExperimentStartConcurrent: drafts on one placement started at once: exactly one
// runs, the others get CodeConflict (FR-019 holds under concurrency).
func testExperimentStartConcurrent(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	const n = 8
	drafts := make([]recom.Experiment, n)
	for i := range drafts {
		drafts[i] = createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentDraft, t0))
	}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i, e := range drafts {
		wg.Go(func() {
			prev := e.UpdatedAt
			e.Status = recom.ExperimentRunning
			_, errs[i] = s.Experiments.UpdateExperiment(ctx, e, prev)
		})
	}
	wg.Wait()
	won := -1
	for i, err := range errs {
		switch {
		case err == nil && won < 0:
			won = i
		case err == nil:
			t.Errorf("UpdateExperiment #%d and #%d both started on one placement", won, i)
		case recom.ErrorCode(err) != recom.CodeConflict:
			t.Errorf("UpdateExperiment #%d: %v; want nil or CodeConflict", i, err)
		}
	}
	if won < 0 {
		t.Fatalf("%d concurrent starts on one placement: none succeeded, want one", n)
	}
	active, err := s.Experiments.ActiveExperiments(ctx, tenant.ID)
	if err != nil || len(active) != 1 || active[0].ID != drafts[won].ID {
		t.Errorf("ActiveExperiments = %v, %v; want only the winner %s", experimentIDs(active), err, drafts[won].ID)
	}
}

// testExperimentExposures: the first exposure of a user in an experiment wins, within a
// call as across calls; RecordExposures counts the new ones; ExposureDays groups users
// by UTC day of first exposure and arm; tenants are independent.
func testExperimentExposures(t *testing.T, s recom.Stores) {
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	e1 := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentRunning, t0))
	e2 := createExperiment(t, s, newExperiment(tenant.ID, "cart", recom.ExperimentRunning, t0))
	est := time.FixedZone("EST", -5*3600)
	x := func(e recom.Experiment, user, variant string, at time.Time) recom.Exposure {
		return recom.Exposure{ExperimentID: e.ID, UserID: user, Variant: variant, At: at}
	}
	if got := exposureDays(t, s, tenant.ID, e1.ID); got == nil || len(got) != 0 {
		t.Errorf("ExposureDays before any exposure = %#v; want an empty slice", got)
	}
	recordExposures(t, s, tenant.ID, nil, 0)
	recordExposures(t, s, tenant.ID, []recom.Exposure{
		x(e1, "u1", recom.Control, dayN(1).Add(time.Hour)),
		x(e1, "u2", recom.Variant, dayN(1).Add(2*time.Hour)),
		x(e1, "u1", recom.Variant, dayN(1).Add(3*time.Hour)), // a duplicate within the call: the first wins
		x(e2, "u1", recom.Variant, dayN(1).Add(3*time.Hour)), // the same user in another experiment
		x(e1, "u3", recom.Control, dayN(2).Add(-time.Microsecond)),
		x(e1, "u4", recom.Control, dayN(2).In(est)), // 19:00 EST on day 1 is day 2 in UTC
	}, 5)
	recordExposures(t, s, tenant.ID, []recom.Exposure{
		x(e1, "u2", recom.Control, dayN(0)), // a later call: the stored one wins, day and arm
		x(e1, "u5", recom.Variant, dayN(3).Add(time.Hour)),
	}, 1)
	recordExposures(t, s, other.ID, []recom.Exposure{
		x(e1, "u1", recom.Variant, dayN(5)), // another tenant's rows are its own
		x(e1, "u9", recom.Variant, dayN(5)),
	}, 2)

	want := []recom.ArmDay{
		{Day: dayN(1), Variant: recom.Control, Users: 2}, // u1, u3
		{Day: dayN(1), Variant: recom.Variant, Users: 1}, // u2
		{Day: dayN(2), Variant: recom.Control, Users: 1}, // u4
		{Day: dayN(3), Variant: recom.Variant, Users: 1}, // u5
	}
	got := exposureDays(t, s, tenant.ID, e1.ID)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ExposureDays (-want +got):\n%s", diff)
	}
	for _, d := range got {
		wantUTC(t, "ArmDay Day", d.Day)
	}
	if diff := cmp.Diff([]recom.ArmDay{{Day: dayN(1), Variant: recom.Variant, Users: 1}},
		exposureDays(t, s, tenant.ID, e2.ID)); diff != "" {
		t.Errorf("ExposureDays of the second experiment (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]recom.ArmDay{{Day: dayN(5), Variant: recom.Variant, Users: 2}},
		exposureDays(t, s, other.ID, e1.ID)); diff != "" {
		t.Errorf("ExposureDays of the other tenant (-want +got):\n%s", diff)
	}
}

// testExperimentUserDays: ReplaceDay stores the day's experiment user rows, read back
// by experiment, by day then user and variant; a second ReplaceDay of the day replaces
// them; other days and tenants keep theirs; rows of another day are refused.
func testExperimentUserDays(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	owner := newAdmin(t, s, "ada@example.com")
	tenant, other := newTenant(t, s, owner.ID, t0), newTenant(t, s, owner.ID, t0)
	e1 := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentRunning, t0))
	e2 := createExperiment(t, s, newExperiment(tenant.ID, "cart", recom.ExperimentRunning, t0))
	if got := experimentUserDays(t, s, tenant.ID, e1.ID); got == nil || len(got) != 0 {
		t.Errorf("ExperimentUserDays before any rollup = %#v; want an empty slice", got)
	}
	u := func(e recom.Experiment, day time.Time, user, variant string, impressions, clicks, conversions int64, revenue float64) recom.ExperimentUserDay {
		return recom.ExperimentUserDay{ExperimentID: e.ID, Variant: variant, UserID: user, Day: day,
			Counts: recom.Counts{Impressions: impressions, Clicks: clicks, Conversions: conversions, Revenue: revenue}}
	}
	day1 := []recom.ExperimentUserDay{
		u(e1, dayN(1), "u2", recom.Variant, 8, 1, 0, 0),
		u(e1, dayN(1), "u1", recom.Control, 10, 2, 1, 19.99),
		u(e2, dayN(1), "u1", recom.Variant, 3, 0, 0, 0),
		u(e1, dayN(1), "u1", recom.Variant, 1, 0, 0, 0), // the arm is part of the key
	}
	day2 := []recom.ExperimentUserDay{u(e1, dayN(2), "u0", recom.Control, 4, 1, 1, 5.5)}
	theirs := []recom.ExperimentUserDay{u(e1, dayN(1), "u1", recom.Control, 99, 9, 9, 99)}
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(1)}, recom.DayRollup{Users: day1})
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(2)}, recom.DayRollup{Users: day2})
	replaceDay(t, s, recom.StaleDay{TenantID: other.ID, Day: dayN(1)}, recom.DayRollup{Users: theirs})

	want := []recom.ExperimentUserDay{day1[1], day1[3], day1[0], day2[0]}
	got := experimentUserDays(t, s, tenant.ID, e1.ID)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ExperimentUserDays (-want +got):\n%s", diff)
	}
	for _, r := range got {
		wantUTC(t, "ExperimentUserDay Day", r.Day)
	}
	if diff := cmp.Diff(day1[2:3], experimentUserDays(t, s, tenant.ID, e2.ID)); diff != "" {
		t.Errorf("ExperimentUserDays of the second experiment (-want +got):\n%s", diff)
	}

	// Day 1 again, with fewer rows (a zero Day is d's): only those remain of day 1.
	again := u(e1, time.Time{}, "u3", recom.Control, 2, 0, 0, 0)
	replaceDay(t, s, recom.StaleDay{TenantID: tenant.ID, Day: dayN(1)}, recom.DayRollup{Users: []recom.ExperimentUserDay{again}})
	again.Day = dayN(1)
	if diff := cmp.Diff([]recom.ExperimentUserDay{again, day2[0]}, experimentUserDays(t, s, tenant.ID, e1.ID)); diff != "" {
		t.Errorf("ExperimentUserDays after day 1 was replaced (-want +got):\n%s", diff)
	}
	if got := experimentUserDays(t, s, tenant.ID, e2.ID); len(got) != 0 {
		t.Errorf("ExperimentUserDays of the second experiment after day 1 was replaced = %v; want none", got)
	}
	if diff := cmp.Diff(theirs, experimentUserDays(t, s, other.ID, e1.ID)); diff != "" {
		t.Errorf("ExperimentUserDays of the other tenant (-want +got):\n%s", diff)
	}

	// A row of another day is refused and changes nothing.
	bad := recom.DayRollup{Users: []recom.ExperimentUserDay{u(e1, dayN(3), "u1", recom.Control, 1, 0, 0, 0)}}
	if err := s.Analytics.ReplaceDay(ctx, recom.StaleDay{TenantID: tenant.ID, Day: dayN(2)}, bad); err == nil {
		t.Error("ReplaceDay with an experiment user row of another day succeeded; want an error")
	}
	if diff := cmp.Diff([]recom.ExperimentUserDay{again, day2[0]}, experimentUserDays(t, s, tenant.ID, e1.ID)); diff != "" {
		t.Errorf("ExperimentUserDays after a refused ReplaceDay (-want +got):\n%s", diff)
	}
}

// newExperiment returns an unsaved experiment of the tenant on the placement, created
// (and updated) at the given time; StartedAt is set unless it is a draft, EndedAt if it
// is completed.
func newExperiment(tenantID, placement string, status recom.ExperimentStatus, createdAt time.Time) recom.Experiment {
	e := recom.Experiment{ID: recom.NewID(), TenantID: tenantID, Name: "Trending vs CF on " + placement,
		Placement: placement, Status: status, ControlStrategy: "trending", VariantStrategy: "collaborative",
		ControlShare: 0.5, PrimaryMetric: recom.MetricConversionRate, Method: recom.MethodSequential,
		CreatedAt: createdAt, UpdatedAt: createdAt}
	if status != recom.ExperimentDraft {
		started := createdAt.Add(time.Minute)
		e.StartedAt, e.UpdatedAt = &started, started
	}
	if status == recom.ExperimentCompleted {
		ended := createdAt.Add(time.Hour)
		e.EndedAt, e.UpdatedAt = &ended, ended
	}
	return e
}

func createExperiment(t *testing.T, s recom.Stores, e recom.Experiment) recom.Experiment {
	t.Helper()
	created, err := s.Experiments.CreateExperiment(t.Context(), e)
	if err != nil {
		t.Fatalf("CreateExperiment %s: %v", e.Name, err)
	}
	return created
}

// storedAt is the UpdatedAt of e as stored: what an update of e read.
func storedAt(t *testing.T, s recom.Stores, e recom.Experiment) time.Time {
	t.Helper()
	return findExperiment(t, s, e.TenantID, e.ID).UpdatedAt
}

// testExperimentLostUpdate: an update made from a stale read (another change landed in
// between) is refused, so two concurrent changes cannot undo each other.
func testExperimentLostUpdate(t *testing.T, s recom.Stores) {
	ctx := t.Context()
	tenant := newTenant(t, s, newAdmin(t, s, "ada@example.com").ID, t0)
	read := createExperiment(t, s, newExperiment(tenant.ID, "home", recom.ExperimentDraft, t0))
	started := read
	started.Status, started.UpdatedAt = recom.ExperimentRunning, t0.Add(time.Minute)
	updateExperiment(t, s, started)
	stale := read
	stale.ControlShare, stale.UpdatedAt = 0.2, t0.Add(2*time.Minute)
	_, err := s.Experiments.UpdateExperiment(ctx, stale, read.UpdatedAt)
	wantError(t, "UpdateExperiment from a stale read", err, recom.CodeConflict, "The experiment changed since it was read; reload it and try again.")
	if got := findExperiment(t, s, tenant.ID, read.ID); got.Status != recom.ExperimentRunning || got.ControlShare != read.ControlShare {
		t.Errorf("after a refused stale update: %+v", got)
	}
}

func updateExperiment(t *testing.T, s recom.Stores, e recom.Experiment) recom.Experiment {
	t.Helper()
	updated, err := s.Experiments.UpdateExperiment(t.Context(), e, storedAt(t, s, e))
	if err != nil {
		t.Fatalf("UpdateExperiment %s: %v", e.Name, err)
	}
	if !cmp.Equal(e, updated) {
		t.Errorf("UpdateExperiment = %+v, want %+v", updated, e)
	}
	return updated
}

func findExperiment(t *testing.T, s recom.Stores, tenantID, id string) recom.Experiment {
	t.Helper()
	e, err := s.Experiments.FindExperiment(t.Context(), tenantID, id)
	if err != nil {
		t.Fatalf("FindExperiment %s: %v", id, err)
	}
	return e
}

// wantActive fails the test unless the tenant's active experiments are want, in order
// of placement.
func wantActive(t *testing.T, s recom.Stores, tenantID string, want ...recom.Experiment) {
	t.Helper()
	got, err := s.Experiments.ActiveExperiments(t.Context(), tenantID)
	if err != nil {
		t.Fatalf("ActiveExperiments: %v", err)
	}
	if !slices.IsSortedFunc(want, func(a, b recom.Experiment) int { return strings.Compare(a.Placement, b.Placement) }) {
		t.Fatalf("wantActive: want is not sorted by placement")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ActiveExperiments (-want +got):\n%s", diff)
	}
}

func wantExperimentUTC(t *testing.T, e recom.Experiment) {
	t.Helper()
	wantUTC(t, "experiment CreatedAt", e.CreatedAt)
	wantUTC(t, "experiment UpdatedAt", e.UpdatedAt)
	for what, tm := range map[string]*time.Time{"StartedAt": e.StartedAt, "EndedAt": e.EndedAt} {
		if tm != nil {
			wantUTC(t, "experiment "+what, *tm)
		}
	}
}

func experimentIDs(es []recom.Experiment) []string {
	ids := []string{}
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return ids
}

// recordExposures records xs for the tenant and fails the test unless want were new.
func recordExposures(t *testing.T, s recom.Stores, tenantID string, xs []recom.Exposure, want int) {
	t.Helper()
	n, err := s.Experiments.RecordExposures(t.Context(), tenantID, xs)
	if err != nil || n != want {
		t.Errorf("RecordExposures of %d = %d, %v; want %d new", len(xs), n, err, want)
	}
}

func exposureDays(t *testing.T, s recom.Stores, tenantID, experimentID string) []recom.ArmDay {
	t.Helper()
	got, err := s.Experiments.ExposureDays(t.Context(), tenantID, experimentID)
	if err != nil {
		t.Fatalf("ExposureDays: %v", err)
	}
	return got
}

func experimentUserDays(t *testing.T, s recom.Stores, tenantID, experimentID string) []recom.ExperimentUserDay {
	t.Helper()
	got, err := s.Experiments.ExperimentUserDays(t.Context(), tenantID, experimentID)
	if err != nil {
		t.Fatalf("ExperimentUserDays: %v", err)
	}
	return got
}
