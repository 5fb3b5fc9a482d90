package engine

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// Baselines Evaluate compares the strategies with.
const (
	MostPopular = "most_popular" // the training period's most interacted products
	Random      = "random"
)

// EvalConfig configures Evaluate.
type EvalConfig struct {
	K             int       // list length (default 10)
	TestDays      int       // the last TestDays days are the test period (default 30)
	Cut           time.Time // overrides TestDays when set
	MinTrainItems int       // users need this many distinct training products (default 5)
	Seed          uint64    // of the Random baseline
	Model         Config
}

// EvalReport is the outcome of Evaluate.
type EvalReport struct {
	K                       int
	Cut                     time.Time
	TrainEvents, TestEvents int
	Stats                   Stats // of the model trained before Cut
	Variants                []EvalVariant
}

// EvalVariant is one way of counting hits.
type EvalVariant struct {
	Name  string // NewItems or Repurchase
	Users int
	Rows  []EvalRow
}

// Variant names: NewItems counts only products the user had not interacted with before
// the cut (and every list excludes those), Repurchase counts every product of the test
// period and excludes nothing.
const (
	NewItems   = "new items"
	Repurchase = "repurchase allowed"
)

// EvalRow holds a strategy's mean metrics at K over the variant's users.
type EvalRow struct {
	Strategy                              string
	Precision, Recall, NDCG, HitRate, MAP float64
	Fallback                              float64 // share of users answered with IsFallback
}

// Row returns the row of a strategy in a variant (zero if absent).
func (r EvalReport) Row(variant, strategy string) EvalRow {
	for _, v := range r.Variants {
		if v.Name == variant {
			for _, row := range v.Rows {
				if row.Strategy == strategy {
					return row
				}
			}
		}
	}
	return EvalRow{}
}

// EvalStrategies are the rows of a report, in order.
var EvalStrategies = []string{Blended, Collaborative, FrequentlyBought, ContentBased, Trending, MostPopular, Random}

// Evaluate trains a model on the events before a cut and measures every strategy on the
// products each user interacted with after it (a temporal split): precision, recall,
// NDCG, hit rate and MAP at K, for users with MinTrainItems distinct training products.
// Each user's request carries their last recom.MaxRecentEvents training events, as a live
// request would.
func Evaluate(items []recom.CatalogItem, events []recom.Event, cfg EvalConfig) EvalReport {
	if cfg.K <= 0 {
		cfg.K = 10
	}
	if cfg.TestDays <= 0 {
		cfg.TestDays = 30
	}
	if cfg.MinTrainItems <= 0 {
		cfg.MinTrainItems = 5
	}
	cut := cfg.Cut
	if cut.IsZero() {
		var last time.Time
		for i := range events {
			if events[i].Timestamp.After(last) {
				last = events[i].Timestamp
			}
		}
		cut = last.AddDate(0, 0, -cfg.TestDays)
	}
	var train []recom.Event
	type user struct {
		train []int // indexes into events, by time
		test  []string
	}
	users := map[string]*user{}
	var testEvents int
	for i := range events {
		e := &events[i]
		u := users[e.UserID]
		if u == nil {
			u = &user{}
			users[e.UserID] = u
		}
		if e.Timestamp.Before(cut) {
			train = append(train, *e)
			u.train = append(u.train, i)
		} else if recom.EventWeight(e.Type) > 0 {
			testEvents++
			if !slices.Contains(u.test, e.ProductID) {
				u.test = append(u.test, e.ProductID)
			}
		}
	}
	model := Build(items, train, cut, cfg.Model)
	rep := EvalReport{K: cfg.K, Cut: cut, TrainEvents: len(train), TestEvents: testEvents, Stats: model.Stats()}

	// MostPopular: distinct training users per product.
	popUsers := map[string]map[string]bool{}
	for i := range train {
		e := &train[i]
		if recom.EventWeight(e.Type) > 0 && model.Has(e.ProductID) {
			if popUsers[e.ProductID] == nil {
				popUsers[e.ProductID] = map[string]bool{}
			}
			popUsers[e.ProductID][e.UserID] = true
		}
	}
	popular := make([]string, 0, len(popUsers))
	for id := range popUsers {
		popular = append(popular, id)
	}
	slices.SortFunc(popular, func(a, b string) int {
		if c := cmp.Compare(len(popUsers[b]), len(popUsers[a])); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	all := model.d.IDs

	type job struct {
		seen   map[string]bool
		recent []recom.Event
		test   []string
		n      int // the user's number, for the random baseline's seed
	}
	var jobs []job
	ids := make([]string, 0, len(users))
	for id := range users {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for n, id := range ids {
		u := users[id]
		seen := map[string]bool{}
		for _, i := range u.train {
			if recom.EventWeight(events[i].Type) > 0 {
				seen[events[i].ProductID] = true
			}
		}
		if len(seen) < cfg.MinTrainItems || len(u.test) == 0 {
			continue
		}
		slices.SortStableFunc(u.train, func(a, b int) int { return events[b].Timestamp.Compare(events[a].Timestamp) })
		var recent []recom.Event
		for _, i := range u.train[:min(len(u.train), recom.MaxRecentEvents)] {
			recent = append(recent, events[i])
		}
		jobs = append(jobs, job{seen: seen, recent: recent, test: u.test, n: n})
	}

	for _, variant := range []string{NewItems, Repurchase} {
		type acc struct {
			m        [5]float64
			fallback int
		}
		sums := make([]acc, len(EvalStrategies))
		var users int
		var mu sync.Mutex
		parallel(len(jobs), 2, func(_, lo, hi int) {
			local := make([]acc, len(EvalStrategies))
			var localUsers int
			for _, j := range jobs[lo:hi] {
				relevant := map[string]bool{}
				var exclude func(string) bool
				for _, p := range j.test {
					if variant == Repurchase || !j.seen[p] {
						relevant[p] = true
					}
				}
				if len(relevant) == 0 {
					continue
				}
				if variant == NewItems {
					exclude = func(id string) bool { return j.seen[id] }
				}
				localUsers++
				for s, strategy := range EvalStrategies {
					var list []string
					switch strategy {
					case MostPopular:
						list = firstK(popular, cfg.K, exclude)
					case Random:
						rng := rand.New(rand.NewPCG(cfg.Seed, uint64(j.n)))
						perm := rng.Perm(len(all))
						list = make([]string, 0, cfg.K)
						for _, k := range perm {
							if exclude == nil || !exclude(all[k]) {
								list = append(list, all[k])
								if len(list) == cfg.K {
									break
								}
							}
						}
					default:
						res := model.Recommend(Request{Strategy: strategy, UserEvents: j.recent, Limit: cfg.K,
							Exclude: exclude, Now: cut})
						for _, it := range res.Items {
							list = append(list, it.ProductID)
						}
						if res.IsFallback {
							local[s].fallback++
						}
					}
					p, r, ndcg, hr, ap := metrics(list, relevant, cfg.K)
					local[s].m[0] += p
					local[s].m[1] += r
					local[s].m[2] += ndcg
					local[s].m[3] += hr
					local[s].m[4] += ap
				}
			}
			mu.Lock()
			defer mu.Unlock()
			users += localUsers
			for s := range local {
				for k := range 5 {
					sums[s].m[k] += local[s].m[k]
				}
				sums[s].fallback += local[s].fallback
			}
		})
		v := EvalVariant{Name: variant, Users: users}
		n := float64(max(users, 1))
		for s, strategy := range EvalStrategies {
			a := sums[s]
			v.Rows = append(v.Rows, EvalRow{Strategy: strategy, Precision: a.m[0] / n, Recall: a.m[1] / n,
				NDCG: a.m[2] / n, HitRate: a.m[3] / n, MAP: a.m[4] / n, Fallback: float64(a.fallback) / n})
		}
		rep.Variants = append(rep.Variants, v)
	}
	return rep
}

func firstK(order []string, k int, exclude func(string) bool) []string {
	out := make([]string, 0, k)
	for _, id := range order {
		if exclude == nil || !exclude(id) {
			out = append(out, id)
			if len(out) == k {
				break
			}
		}
	}
	return out
}

// metrics are precision, recall, NDCG, hit and average precision at k of a list against
// a relevant set (binary relevance).
func metrics(list []string, relevant map[string]bool, k int) (p, r, ndcg, hit, ap float64) {
	var hits int
	var dcg, sumPrec float64
	for i, id := range list[:min(len(list), k)] {
		if relevant[id] {
			hits++
			dcg += 1 / math.Log2(float64(i+2))
			sumPrec += float64(hits) / float64(i+1)
		}
	}
	var idcg float64
	for i := range min(len(relevant), k) {
		idcg += 1 / math.Log2(float64(i+2))
	}
	if hits > 0 {
		hit = 1
	}
	return float64(hits) / float64(k), float64(hits) / float64(len(relevant)), dcg / idcg, hit,
		sumPrec / float64(min(len(relevant), k))
}

// WriteTable prints the report as text tables, one per variant.
func (r EvalReport) WriteTable(w io.Writer) error {
	s := r.Stats
	fmt.Fprintf(w, "cut %s: %d training events, %d test events; model: %d items, %d users, built in %s, %.1f MB\n",
		r.Cut.Format(time.DateOnly), r.TrainEvents, r.TestEvents, s.Items, s.Users,
		s.BuildDuration.Round(time.Millisecond), float64(s.SizeBytes)/(1<<20))
	g := s.Gate
	fmt.Fprintf(w, "gate (%d users, last %d days held out, NDCG/HR@%d): collaborative %.4f/%.3f, blended %.4f/%.3f, trending %.4f/%.3f: %s\n",
		g.Users, int(g.Window.Hours()/24), GateK, g.CollaborativeNDCG, g.CollaborativeHR, g.BlendedNDCG, g.BlendedHR,
		g.TrendingNDCG, g.TrendingHR, g.Note)
	for _, v := range r.Variants {
		fmt.Fprintf(w, "\n%s, %d users, K=%d\n", v.Name, v.Users, r.K)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintf(tw, "strategy\tP@%d\tR@%d\tNDCG@%d\tHR@%d\tMAP@%d\tfallback\t\n", r.K, r.K, r.K, r.K, r.K)
		for _, row := range v.Rows {
			name := row.Strategy
			if name == Blended {
				name = "blended (default)"
			}
			fmt.Fprintf(tw, "%s\t%.4f\t%.4f\t%.4f\t%.4f\t%.4f\t%.0f%%\t\n", name, row.Precision, row.Recall,
				row.NDCG, row.HitRate, row.MAP, 100*row.Fallback)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}
