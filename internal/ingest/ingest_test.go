package ingest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/recomengine/recomengine/internal/recom"
)

// memStore is a recom.EventStore in memory with the dedup rule of FR-010, recording the
// size of each call; slow makes each call take that long. (A fake is right here: what is
// tested is the batching, not a database; the stores have their own suite.)
type memStore struct {
	recom.EventStore // only AppendEvents is called; the rest are nil
	mu               sync.Mutex
	seen             map[string]bool
	calls            []int
	starts           []time.Time // when each call began
	slow             time.Duration
	fail             error
	gone             string // a tenant that no longer exists: a call with its events fails whole
}

func (m *memStore) AppendEvents(_ context.Context, evs []recom.Event) ([]bool, error) {
	began := time.Now()
	time.Sleep(m.slow)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.fail != nil {
		return nil, m.fail
	}
	if slices.ContainsFunc(evs, func(e recom.Event) bool { return e.TenantID == m.gone }) {
		return nil, recom.Errorf(recom.CodeNotFound, "Tenant not found.")
	}
	m.calls, m.starts = append(m.calls, len(evs)), append(m.starts, began)
	out := make([]bool, len(evs))
	for i, e := range evs {
		k := fmt.Sprint(e.TenantID, e.UserID, e.Type, e.ProductID, e.Timestamp.UnixMicro())
		out[i] = !m.seen[k]
		m.seen[k] = true
	}
	return out, nil
}

func ev(user string, i int) recom.Event {
	return recom.Event{TenantID: "t", Type: recom.ProductViewed, UserID: user, ProductID: "p",
		Timestamp: time.Unix(int64(1_700_000_000+i), 0)}
}

func TestConcurrentRequestsShareCommits(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, slow: 5 * time.Millisecond}
	in := New(st, Config{}, nil)
	var wg sync.WaitGroup
	var created atomic.Int64
	for g := 0; g < 50; g++ {
		wg.Go(func() {
			for i := 0; i < 10; i++ {
				res, err := in.Append(context.Background(), []recom.Event{ev(fmt.Sprint("u", g), i), ev(fmt.Sprint("u", g), i)})
				if err != nil || len(res) != 2 || !res[0] || res[1] {
					t.Errorf("Append = %v, %v; want [true false] (the second is a duplicate of the first)", res, err)
				}
				created.Add(1)
			}
		})
	}
	wg.Wait()
	if err := in.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, c := range st.calls {
		total += c
	}
	if total != 1000 || created.Load() != 500 {
		t.Fatalf("store saw %d events, %d requests answered", total, created.Load())
	}
	if len(st.calls) >= 500 {
		t.Errorf("%d store calls for 500 concurrent requests: no group commit", len(st.calls))
	}
	t.Logf("500 requests in %d commits", len(st.calls))
}

// TestALoneRequestIsNotDelayed: with no other commit being written there is nothing to
// wait for, so MaxDelay does not delay the acknowledgement.
func TestALoneRequestIsNotDelayed(t *testing.T) {
	in := New(&memStore{seen: map[string]bool{}}, Config{Flushers: 2, MaxDelay: 2 * time.Second, MinInterval: 2 * time.Second}, nil)
	defer in.Close(context.Background())
	for i := range 3 {
		start := time.Now()
		if _, err := in.Append(context.Background(), []recom.Event{ev("u", i)}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("a lone request took %v: it waited for MaxDelay (2s)", d)
		}
	}
}

// TestRequestsGatherWhileACommitIsWritten: requests that arrive while a commit is being
// written wait for it to end and share the next commit (in MaxBatch-sized parts), well
// before MaxDelay.
func TestRequestsGatherWhileACommitIsWritten(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, slow: 150 * time.Millisecond}
	in := New(st, Config{Flushers: 2, MaxBatch: 3, MaxDelay: 5 * time.Second}, nil)
	defer in.Close(context.Background())
	start := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() { appendOne(t, in, ev("first", 0)) })
	time.Sleep(30 * time.Millisecond) // the first commit is being written
	for i := range 5 {
		wg.Go(func() { appendOne(t, in, ev("later", i)) })
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the requests took %v: they waited for MaxDelay (5s), not for the commit", d)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	// Typically [1 3 2]; a slow machine may split the later ones otherwise.
	sum := 0
	for _, c := range st.calls {
		sum += c
	}
	if len(st.calls) == 0 || st.calls[0] != 1 || len(st.calls) > 4 || slices.Max(st.calls) > 3 || sum != 6 {
		t.Errorf("commits of %v events; want the first alone, then the 5 later ones gathered in commits of at most MaxBatch 3", st.calls)
	}
}

// appendOne appends e alone, failing t on error.
func appendOne(t *testing.T, in *Ingester, e recom.Event) {
	if _, err := in.Append(context.Background(), []recom.Event{e}); err != nil {
		t.Error(err)
	}
}

// afterBusyCommit makes a commit of two requests and then calls next: it appends one
// event (commit 1, alone; the store must take a while), then two more while that commit
// is written (commit 2, both), and calls next as soon as the first of those is answered.
// It returns when all are answered.
func afterBusyCommit(t *testing.T, in *Ingester, next func()) {
	var wg sync.WaitGroup
	wg.Go(func() { appendOne(t, in, ev("first", 0)) })
	time.Sleep(30 * time.Millisecond)
	for i := range 2 {
		wg.Go(func() {
			appendOne(t, in, ev("busy", i))
			if i == 0 {
				next()
			}
		})
	}
	wg.Wait()
}

// TestCommitsArePacedUnderLoad: after a commit that gathered several requests, the next
// begins MinInterval after it began, gathering what arrives meanwhile; after a commit of
// one request, the next begins at once.
func TestCommitsArePacedUnderLoad(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, slow: 100 * time.Millisecond}
	in := New(st, Config{Flushers: 2, MaxDelay: 2 * time.Second, MinInterval: 600 * time.Millisecond}, nil)
	defer in.Close(context.Background())
	afterBusyCommit(t, in, func() {
		appendOne(t, in, ev("paced", 0)) // commit 3: waits for 600 ms after commit 2 began
		appendOne(t, in, ev("after", 0)) // commit 4: commit 3 was alone, so at once
	})
	st.mu.Lock()
	defer st.mu.Unlock()
	if !slices.Equal(st.calls, []int{1, 2, 1, 1}) {
		t.Fatalf("commits of %v events, want [1 2 1 1]", st.calls)
	}
	if d := st.starts[2].Sub(st.starts[1]); d < 590*time.Millisecond || d > 1500*time.Millisecond {
		t.Errorf("commit 3 began %v after commit 2 (of two requests); want MinInterval, 600 ms", d)
	}
	if d := st.starts[3].Sub(st.starts[2]); d > 400*time.Millisecond {
		t.Errorf("commit 4 began %v after commit 3 (of one request); want at once after its 100 ms", d)
	}
}

// TestMaxDelayBoundsThePacing: a MinInterval beyond MaxDelay is cut to it: the paced
// commit begins MaxDelay after its request came, not MinInterval after the last began.
func TestMaxDelayBoundsThePacing(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, slow: 100 * time.Millisecond}
	in := New(st, Config{Flushers: 2, MaxDelay: 150 * time.Millisecond, MinInterval: 2 * time.Second}, nil)
	defer in.Close(context.Background())
	var sent time.Time
	afterBusyCommit(t, in, func() {
		sent = time.Now()
		appendOne(t, in, ev("paced", 0))
	})
	st.mu.Lock()
	defer st.mu.Unlock()
	if !slices.Equal(st.calls, []int{1, 2, 1}) {
		t.Fatalf("commits of %v events, want [1 2 1]", st.calls)
	}
	if d := st.starts[2].Sub(sent); d < 140*time.Millisecond || d > time.Second {
		t.Errorf("the paced commit began %v after its request; want MaxDelay, 150 ms, not MinInterval (2 s)", d)
	}
}

// TestMaxDelayBoundsTheWait: a commit that takes longer than MaxDelay to write does not
// hold back the requests behind it; they are written beside it.
func TestMaxDelayBoundsTheWait(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, slow: 400 * time.Millisecond}
	in := New(st, Config{Flushers: 2, MaxDelay: 20 * time.Millisecond}, nil)
	defer in.Close(context.Background())
	start := time.Now()
	go in.Append(context.Background(), []recom.Event{ev("first", 0)})
	time.Sleep(30 * time.Millisecond)
	if _, err := in.Append(context.Background(), []recom.Event{ev("second", 0)}); err != nil {
		t.Fatal(err)
	}
	// Written beside the first: done at about 30 + 20 + 400 ms; after it, at 800 ms.
	if d := time.Since(start); d > 700*time.Millisecond {
		t.Errorf("the second request took %v: it waited for the first commit to be written", d)
	}
}

func TestShedWhenOverloadedAndRefuseAfterClose(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, slow: 200 * time.Millisecond}
	in := New(st, Config{MaxPending: 10}, nil)
	go in.Append(context.Background(), make10("a"))
	deadline := time.Now().Add(time.Second)
	for !in.Overloaded() {
		if time.Now().After(deadline) {
			t.Fatal("10 pending events did not make the ingester overloaded")
		}
		time.Sleep(time.Millisecond)
	}
	start := time.Now()
	if _, err := in.Append(context.Background(), []recom.Event{ev("b", 1)}); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Append while overloaded = %v", err)
	}
	if time.Since(start) > 50*time.Millisecond {
		t.Error("shedding waited for the flusher")
	}
	if err := in.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(st.calls) != 1 || st.calls[0] != 10 {
		t.Errorf("Close did not drain the accepted events: %v", st.calls)
	}
	if _, err := in.Append(context.Background(), []recom.Event{ev("c", 1)}); !errors.Is(err, ErrOverloaded) {
		t.Errorf("Append after Close = %v", err)
	}
}

func make10(user string) []recom.Event {
	out := make([]recom.Event, 10)
	for i := range out {
		out[i] = ev(user, i)
	}
	return out
}

func TestStoreErrorReachesEveryRequest(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, fail: errors.New("disk full")}
	in := New(st, Config{}, nil)
	defer in.Close(context.Background())
	if _, err := in.Append(context.Background(), []recom.Event{ev("u", 1)}); err == nil || err.Error() != "disk full" {
		t.Errorf("Append = %v, want the store's error", err)
	}
	if in.pending.Load() != 0 {
		t.Errorf("pending = %d after a failed commit", in.pending.Load())
	}
}

// TestAGoneTenantFailsOnlyItsRequests: when the store refuses a commit because a tenant
// of it is gone (purged while a request of it was being read), every other request of
// the commit is still written and acknowledged.
func TestAGoneTenantFailsOnlyItsRequests(t *testing.T) {
	st := &memStore{seen: map[string]bool{}, slow: 100 * time.Millisecond, gone: "purged"}
	var hooked atomic.Int64
	in := New(st, Config{Flushers: 2, MaxDelay: 5 * time.Second, Committed: func(_ context.Context, evs []recom.Event) {
		hooked.Add(int64(len(evs)))
	}}, nil)
	defer in.Close(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() { appendOne(t, in, ev("first", 0)) })
	time.Sleep(30 * time.Millisecond) // the first commit is being written; the next three gather
	errs := make([]error, 3)
	for i := range 3 {
		e := ev("later", i)
		if i == 1 {
			e.TenantID = "purged"
		}
		wg.Go(func() { _, errs[i] = in.Append(context.Background(), []recom.Event{e}) })
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	if errs[0] != nil || errs[2] != nil || !recom.IsNotFound(errs[1]) {
		t.Errorf("errors %v; want only the gone tenant's request to fail, with NotFound", errs)
	}
	if in.pending.Load() != 0 || hooked.Load() != 3 {
		t.Errorf("pending %d, %d events reached the hook; want 0 and 3", in.pending.Load(), hooked.Load())
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if len(st.seen) != 3 {
		t.Errorf("%d events stored, want the 3 of live tenants", len(st.seen))
	}
}

// TestCommittedSeesNewEventsBeforeTheAnswer: the hook gets each commit's new events, not
// its duplicates, and has run when Append returns (the recommender is current by then).
func TestCommittedSeesNewEventsBeforeTheAnswer(t *testing.T) {
	reg := prometheus.NewRegistry()
	var mu sync.Mutex
	var seen []recom.Event
	in := New(&memStore{seen: map[string]bool{}}, Config{Committed: func(_ context.Context, evs []recom.Event) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, evs...)
		time.Sleep(20 * time.Millisecond)
	}}, reg)
	defer in.Close(context.Background())
	for _, step := range []struct {
		batch     []recom.Event
		seenAfter int
	}{
		{[]recom.Event{ev("u", 1), ev("u", 2), ev("u", 2)}, 2}, // one duplicate within the batch
		{[]recom.Event{ev("u", 1), ev("u", 3)}, 3},             // 1 is a duplicate of the first call
	} {
		if _, err := in.Append(context.Background(), step.batch); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		got := len(seen)
		mu.Unlock()
		if got != step.seenAfter {
			t.Fatalf("the hook had seen %d events when Append returned; want %d", got, step.seenAfter)
		}
	}
	if seen[2].Timestamp != ev("u", 3).Timestamp {
		t.Errorf("the hook saw %+v last; want the new event 3", seen[2])
	}
	// Operators see how long the hook holds the answers back.
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var count uint64
	var sum float64
	for _, mf := range mfs {
		if mf.GetName() == "recomengine_ingest_committed_seconds" {
			h := mf.GetMetric()[0].GetHistogram()
			count, sum = h.GetSampleCount(), h.GetSampleSum()
		}
	}
	if count != 2 || sum < 0.04 {
		t.Errorf("committed_seconds counted %d hooks taking %.3fs; want 2 hooks of 20 ms", count, sum)
	}
}
