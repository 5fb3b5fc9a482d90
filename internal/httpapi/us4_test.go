package httpapi

import (
	"fmt"
	"math"
	"net/http"
	"testing"

	"github.com/recomengine/recomengine/internal/experiment"
	"github.com/recomengine/recomengine/internal/recom"
	"github.com/recomengine/recomengine/internal/stats"
)

// experimentBody is a create request.
func experimentBody(name, placement string) map[string]any {
	return map[string]any{"name": name, "placement": placement, "controlStrategy": "collaborative",
		"variantStrategy": "trending", "primaryMetric": "conversion_rate", "method": "fixed"}
}

func (k *keyEnv) experimentCall(method, path string, body any, want int) recom.Experiment {
	k.t.Helper()
	res := k.do(method, "/api/v1/tenants/"+k.tenant.ID+"/experiments"+path, body, "Authorization", "Bearer "+k.token)
	if res.Status != want {
		k.t.Fatalf("%s experiments%s: %d %s, want %d", method, path, res.Status, res.Body, want)
	}
	var out struct{ Data recom.Experiment }
	if want < 300 {
		res.decode(k.t, &out)
	}
	return out.Data
}

// TestUS4 is User Story 4's acceptance scenarios on both backends, with the results of a
// real run: users served on the placement, shown, clicking and buying.
func TestUS4(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		k := newKeyEnv(t, b)
		shopFixture(t, k, 30)

		// 1: created as a draft with every field.
		e := k.experimentCall("POST", "", experimentBody("Collab vs trending", "home"), http.StatusCreated)
		if e.Status != recom.ExperimentDraft || e.ControlShare != 0.5 || e.ID == "" || e.StartedAt != nil || e.Placement != "home" {
			t.Fatalf("US4-1: %+v", e)
		}
		// A draft assigns no one.
		if r := k.recommend(t, "userId=shopper-1&placement=home"); r.Meta.ExperimentID != "" {
			t.Fatalf("a draft experiment assigned a user: %+v", r.Meta)
		}
		e = k.experimentCall("POST", "/"+e.ID+"/start", nil, http.StatusOK)
		if e.Status != recom.ExperimentRunning || e.StartedAt == nil {
			t.Fatalf("start: %+v", e)
		}

		// 5: a second experiment on the placement is a 409, running or paused; elsewhere fine.
		k.experimentCall("POST", "", experimentBody("Another", "home"), http.StatusConflict)
		other := k.experimentCall("POST", "", experimentBody("Elsewhere", "cart"), http.StatusCreated)
		// The design is frozen once started.
		if res := k.do("PUT", "/api/v1/tenants/"+k.tenant.ID+"/experiments/"+e.ID, `{"controlShare":0.9}`, "Authorization", "Bearer "+k.token); res.Status != http.StatusConflict || res.problem(t).Errors[0].Field != "controlShare" {
			t.Errorf("changing the split of a running experiment: %d %s", res.Status, res.Body)
		}
		// Its name and target MDE may change, and nothing else moves with them.
		renamed := k.experimentCall("PUT", "/"+e.ID, `{"name":"Collab vs trending, week 2","targetMde":0.125}`, http.StatusOK)
		if renamed.Name != "Collab vs trending, week 2" || renamed.TargetMDE == nil || *renamed.TargetMDE != 0.125 ||
			renamed.ControlShare != e.ControlShare || renamed.Method != e.Method || renamed.PrimaryMetric != e.PrimaryMetric || renamed.Status != recom.ExperimentRunning {
			t.Errorf("rename of a running experiment: %+v", renamed)
		}
		// A draft's PUT changes the fields given only: one left out keeps its value.
		draft := k.experimentCall("POST", "", `{"name":"Draft","placement":"draft-spot","controlStrategy":"trending","variantStrategy":"collaborative","controlShare":0.3,"method":"fixed","primaryMetric":"ctr"}`, http.StatusCreated)
		draft = k.experimentCall("PUT", "/"+draft.ID, `{"name":"Draft, renamed"}`, http.StatusOK)
		if draft.ControlShare != 0.3 || draft.Method != recom.MethodFixed || draft.PrimaryMetric != recom.MetricCTR {
			t.Errorf("a draft's rename reset its design: %+v", draft)
		}

		// 2 and 3: every user gets the arm of the hash, on every request, with its strategy.
		// Visitors arrive until each arm has the minimum sample and some (the split of a
		// random experiment id varies), so the results below are never "insufficient".
		served := map[string]int{}
		visitors := 0
		for ; served[recom.Control] < stats.MinUsersPerArm+20 || served[recom.Variant] < stats.MinUsersPerArm+20; visitors++ {
			i := visitors
			user := fmt.Sprintf("visitor-%d", i)
			wantArm, wantStrategy := e.Arm(user)
			for range 2 {
				r := k.recommend(t, "userId="+user+"&placement=home")
				if r.Meta.ExperimentID != e.ID || r.Meta.Variant != wantArm || (r.Meta.Strategy != wantStrategy && r.Meta.Strategy != "trending_fallback") {
					t.Fatalf("US4-2/3 %s: meta %+v, want arm %s (%s)", user, r.Meta, wantArm, wantStrategy)
				}
			}
			served[wantArm]++
		}
		// A new node (services made afresh on the same stores) assigns the same arms.
		d, fx := newDeps(t, b)
		d.Stores, fx.activity, fx.bus = k.stores, k.activity, k.bus
		wireServices(t, &d, fx)
		node2 := serveDeps(t, d, fixture{})
		k2 := &keyEnv{testEnv: node2, token: k.token, tenant: k.tenant, rw: k.rw, read: k.read, public: k.public}
		for i := range 20 {
			user := fmt.Sprintf("visitor-%d", i)
			if wantArm, _ := e.Arm(user); k2.recommend(t, "userId="+user+"&placement=home").Meta.Variant != wantArm {
				t.Errorf("node 2 put %s in another arm", user)
			}
		}
		// A padded user id is the same shopper (trimmed, as events' ids are).
		if want, _ := e.Arm("visitor-7"); k.recommend(t, "userId=%20visitor-7%20&placement=home").Meta.Variant != want {
			t.Error("a padded user id got another arm than the shopper's")
		}
		// An explicit strategy bypasses the experiment; another placement is not in it.
		if r := k.recommend(t, "userId=visitor-1&placement=home&strategy=content_based"); r.Meta.ExperimentID != "" || (r.Meta.Strategy != "content_based" && r.Meta.Strategy != "trending_fallback") {
			t.Errorf("explicit strategy: %+v", r.Meta)
		}
		if r := k.recommend(t, "userId=visitor-1&placement=footer"); r.Meta.ExperimentID != "" {
			t.Errorf("another placement: %+v", r.Meta)
		}

		// 4: results after the visitors saw, clicked and bought: variant users buy more.
		var events []map[string]any
		converted := map[string]int{}
		for i := range visitors {
			user := fmt.Sprintf("visitor-%d", i)
			r := k.recommend(t, "userId="+user+"&placement=home")
			p := r.Data[0]
			shown := map[string]any{"userId": user, "productId": p.ProductID, "recommendationId": r.Meta.RecommendationID, "placement": "home"}
			events = append(events, with(shown, "eventType", "recommendation_impressed"))
			if i%3 == 0 || (r.Meta.Variant == recom.Variant && i%3 == 1) {
				events = append(events, with(shown, "eventType", "recommendation_clicked"),
					map[string]any{"eventType": "purchase", "userId": user, "productId": p.ProductID, "orderId": "order-" + user, "price": 20})
				converted[r.Meta.Variant]++
			}
		}
		for i := 0; i < len(events); i += 100 {
			if res := k.do("POST", "/api/v1/events/batch", map[string]any{"events": events[i:min(i+100, len(events))]}, "X-API-Key", k.rw.Key); res.Status != 202 {
				t.Fatalf("events: %d %s", res.Status, res.Body)
			}
		}
		refresh(t, k.testEnv)
		var res struct{ Data experiment.Results }
		k.admin("/experiments/"+e.ID+"/results").decode(t, &res)
		r := res.Data
		wantC, wantV := float64(converted[recom.Control])/float64(served[recom.Control]), float64(converted[recom.Variant])/float64(served[recom.Variant])
		if r.SampleSize.Control != int64(served[recom.Control]) || r.SampleSize.Variant != int64(served[recom.Variant]) ||
			math.Abs(r.ControlMetric-wantC) > 1e-12 || math.Abs(r.VariantMetric-wantV) > 1e-12 || r.Lift == nil ||
			math.Abs(*r.Lift-(wantV/wantC-1)) > 1e-9 || r.PValue <= 0 || r.PValue > 1 || r.ConfidenceInterval == nil {
			t.Errorf("US4-4: results %+v\nwant sample %v, control %.4f, variant %.4f", r, served, wantC, wantV)
		}
		if r.Status != experiment.StatusOK || r.MDE == nil || r.Metrics["ctr"].ControlMetric == 0 {
			t.Errorf("US4-4: status %s, mde %v, ctr %+v", r.Status, r.MDE, r.Metrics["ctr"])
		}
		t.Logf("results: control %.3f (n=%d) variant %.3f (n=%d), p %.4g, significant %v, MDE %.2f", r.ControlMetric,
			r.SampleSize.Control, r.VariantMetric, r.SampleSize.Variant, r.PValue, r.IsSignificant, *r.MDE)

		// Pausing stops assignment and still holds the placement; completing frees it.
		k.experimentCall("POST", "/"+e.ID+"/pause", nil, http.StatusOK)
		if r := k.recommend(t, "userId=visitor-2&placement=home"); r.Meta.ExperimentID != "" {
			t.Errorf("a paused experiment assigned a user: %+v", r.Meta)
		}
		k.experimentCall("POST", "", experimentBody("Another", "home"), http.StatusConflict)
		k.experimentCall("POST", "/"+e.ID+"/complete", nil, http.StatusOK)
		k.experimentCall("POST", "/"+e.ID+"/start", nil, http.StatusConflict) // completed is final
		k.experimentCall("POST", "", experimentBody("Next", "home"), http.StatusCreated)
		k.experimentCall("POST", "/"+other.ID+"/start", nil, http.StatusOK)
	})
}

func with(m map[string]any, k string, v any) map[string]any {
	out := map[string]any{k: v}
	for a, b := range m {
		out[a] = b
	}
	return out
}

// TestExperimentValidation: bad fields name themselves in 400 problems.
func TestExperimentValidation(t *testing.T) {
	k := newKeyEnv(t, embedded)
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{"placement":"home","controlStrategy":"collaborative","variantStrategy":"trending"}`, "name"},
		{`{"name":"x","placement":"home","controlStrategy":"magic","variantStrategy":"trending"}`, "controlStrategy"},
		{`{"name":"x","placement":"home","controlStrategy":"collaborative","variantStrategy":"trending","controlShare":1.5}`, "controlShare"},
		{`{"name":"x","placement":"home","controlStrategy":"collaborative","variantStrategy":"trending","primaryMetric":"happiness"}`, "primaryMetric"},
		{`{"name":"x","placement":"home","controlStrategy":"collaborative","variantStrategy":"trending","method":"bayesian"}`, "method"},
		{`{"name":"x","placement":"home","controlStrategy":"collaborative","variantStrategy":"trending","targetMde":0}`, "targetMde"},
		{`{"name":"x","placement":"","controlStrategy":"collaborative","variantStrategy":"trending"}`, "placement"},
	} {
		res := k.do("POST", "/api/v1/tenants/"+k.tenant.ID+"/experiments", tc.body, "Authorization", "Bearer "+k.token)
		if res.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", tc.body, res.Status, res.Body)
			continue
		}
		if p := res.problem(t); len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: problem %+v, want field %s", tc.body, p, tc.field)
		}
	}
}
