package engine

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// BenchmarkBuild builds the model of the whole Online Retail test data (386k purchase lines,
// 3.7k products, 4.3k customers), gate included.
func BenchmarkBuild(b *testing.B) {
	items, events := loadRetail(b)
	now := events[0].Timestamp
	for _, e := range events {
		if e.Timestamp.After(now) {
			now = e.Timestamp
		}
	}
	var m *Model
	for b.Loop() {
		m = Build(items, events, now, Config{})
	}
	b.ReportMetric(float64(m.Stats().SizeBytes)/(1<<20), "model-MB")
}

// BenchmarkRecommend serves the Online Retail model's customers (their last 50 events,
// purchases excluded, a product page every fourth request) with the default strategy and
// reports latency percentiles.
func BenchmarkRecommend(b *testing.B) {
	items, events := loadRetail(b)
	now := events[0].Timestamp
	byUser := map[string][]recom.Event{}
	for _, e := range events {
		if e.Timestamp.After(now) {
			now = e.Timestamp
		}
		byUser[e.UserID] = append(byUser[e.UserID], e)
	}
	m := Build(items, events, now, Config{})
	benchRecommend(b, m, requests(byUser, now))
}

// BenchmarkRecommend10k serves a synthetic 10,000-product shop (issue 5: ≤ 1 ms p95 and
// ≤ 20 MB per snapshot; model-MB is Stats().SizeBytes, an upper estimate).
func BenchmarkRecommend10k(b *testing.B) {
	s := synthetic10k()
	benchRecommend(b, s.model, s.reqs)
	b.ReportMetric(float64(s.model.Stats().SizeBytes)/(1<<20), "model-MB")
}

func requests(byUser map[string][]recom.Event, now time.Time) []Request {
	var reqs []Request
	users := slices.Sorted(func(yield func(string) bool) {
		for u := range byUser {
			if !yield(u) {
				return
			}
		}
	})
	for k, u := range users {
		evs := slices.Clone(byUser[u])
		slices.SortFunc(evs, func(a, b recom.Event) int { return b.Timestamp.Compare(a.Timestamp) })
		evs = evs[:min(len(evs), recom.MaxRecentEvents)]
		bought := map[string]bool{}
		for _, e := range evs {
			if e.Type == recom.Purchase {
				bought[e.ProductID] = true
			}
		}
		req := Request{UserEvents: evs, Now: now, Limit: 8, Exclude: func(id string) bool { return bought[id] }}
		if k%4 == 3 { // a product page
			req.ProductID = evs[0].ProductID
		}
		reqs = append(reqs, req)
	}
	return reqs
}

func benchRecommend(b *testing.B, m *Model, reqs []Request) {
	lat := make([]time.Duration, 0, 1<<16)
	k := 0
	for b.Loop() {
		start := time.Now()
		m.Recommend(reqs[k%len(reqs)])
		if len(lat) < cap(lat) {
			lat = append(lat, time.Since(start))
		}
		k++
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds()), "p95-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

type synthetic struct {
	model *Model
	reqs  []Request
	heap  int64 // bytes the loaded model holds on the heap
}

// synthetic10k is a shop of 10,000 products in 200 clusters and 40 categories, and 20,000
// users with 15 events each (views, cart adds, purchases) over 90 days.
var synthetic10k = sync.OnceValue(func() synthetic {
	rng := rand.New(rand.NewPCG(7, 7))
	words := make([]string, 400)
	for i := range words {
		words[i] = fmt.Sprintf("w%03d", i)
	}
	const n = 10000
	items := make([]recom.CatalogItem, n)
	for i := range items {
		items[i] = recom.CatalogItem{ProductID: fmt.Sprintf("s%05d", i),
			Name:     words[rng.IntN(400)] + " " + words[(i/50)%400] + " " + words[rng.IntN(400)],
			Category: fmt.Sprint("cat", i%40), Brand: fmt.Sprint("brand", i%97), Price: 1 + rng.ExpFloat64()*20,
			Attributes: map[string]any{"colour": words[rng.IntN(12)], "size": float64(rng.IntN(50))}}
	}
	now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	zipf := rand.NewZipf(rand.New(rand.NewPCG(1, 1)), 1.1, 3, n-1)
	byUser := map[string][]recom.Event{}
	var events []recom.Event
	for u := range 20000 {
		user := fmt.Sprint("u", u)
		cluster := rng.IntN(200)
		at := now.Add(-time.Duration(rng.IntN(90*24)) * time.Hour)
		for k := range 15 {
			p := int(zipf.Uint64())
			if rng.Float64() < 0.7 {
				p = cluster*50 + rng.IntN(50)
			}
			e := recom.Event{Type: recom.ProductViewed, UserID: user, ProductID: items[p].ProductID, Timestamp: at}
			switch x := rng.Float64(); {
			case x < 0.25:
				e.Type, e.OrderID = recom.Purchase, fmt.Sprint(user, "-", k/5)
			case x < 0.4:
				e.Type = recom.AddToCart
			}
			events = append(events, e)
			byUser[user] = append(byUser[user], e)
			at = at.Add(time.Duration(rng.IntN(600)) * time.Minute)
		}
	}
	return synthetic{model: Build(items, events, now, Config{}), reqs: requests(byUser, now)[:2000]}
})
