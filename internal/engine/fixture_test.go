package engine

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/recomengine/recomengine/internal/recom"
)

// t0 is the fixture's build time.
var t0 = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// fixture is a small shop with structure: 60 products in 10 clusters of 6 that are bought
// together (categories cut across clusters), 90 users each buying the 6 products of one
// cluster and one elsewhere in three orders, after viewing them (the last order within the
// gate's 30 days), a recent burst of views of p59 that makes it trending, and p60 that
// nobody touched.
func fixture() ([]recom.CatalogItem, []recom.Event) {
	cats := []string{"Kitchen", "Garden", "Toys"}
	named := map[int]string{0: "Blue Mug", 1: "Teapot", 3: "Red Mug", 6: "Green Mug", 4: "Rake", 59: "Kite"}
	var items []recom.CatalogItem
	for i := range 60 {
		name := fmt.Sprintf("Product %02d", i)
		if n, ok := named[i]; ok {
			name = n
		}
		price := 5 + float64(i%7)
		switch i {
		case 0:
			price = 8
		case 3:
			price = 8.5
		case 6:
			price = 20
		}
		items = append(items, recom.CatalogItem{ProductID: fmt.Sprintf("p%02d", i), Name: name,
			Category: cats[i%3], Price: price, Available: true})
	}
	items = append(items, recom.CatalogItem{ProductID: "p60", Name: "Lonely Lamp", Category: "Kitchen", Price: 9, Available: true})
	rng := rand.New(rand.NewPCG(1, 2))
	var events []recom.Event
	for u := range 90 {
		user := fmt.Sprintf("u%02d", u)
		c := u % 10
		var products []int
		for _, p := range rng.Perm(6) {
			products = append(products, c*6+p)
		}
		other := (c*6 + 6 + rng.IntN(54)) % 60
		products = slices.Insert(products, 2, other)
		// Orders of 3, 2 and 2 products: the first two 60 to 40 days ago, the last within
		// the last 20 days.
		at := t0.Add(-time.Duration(60*24-u*4) * time.Hour)
		for k, p := range products {
			order := []int{0, 0, 0, 1, 1, 2, 2}[k]
			if k == 3 {
				at = at.Add(5 * 24 * time.Hour)
			}
			if k == 5 {
				at = at.Add(30 * 24 * time.Hour)
			}
			id := fmt.Sprintf("p%02d", p)
			events = append(events,
				recom.Event{Type: recom.ProductViewed, UserID: user, ProductID: id, Timestamp: at},
				recom.Event{Type: recom.Purchase, UserID: user, ProductID: id, OrderID: fmt.Sprintf("o%02d-%d", u, order),
					Timestamp: at.Add(time.Minute)})
			at = at.Add(2 * time.Minute)
		}
	}
	for u := range 300 { // the trending burst, by 100 visitors who see nothing else
		events = append(events, recom.Event{Type: recom.ProductViewed, UserID: fmt.Sprintf("v%02d", u%100),
			ProductID: "p59", Timestamp: t0.Add(-time.Duration(u) * time.Minute)})
	}
	return items, events
}

var fixtureModel = sync.OnceValue(func() *Model {
	items, events := fixture()
	return Build(items, events, t0, Config{})
})

// history returns events, newest first, of a user who bought the given products a day
// apart, the last one a day ago.
func history(products ...string) []recom.Event {
	var evs []recom.Event
	for k, p := range products {
		evs = append([]recom.Event{{Type: recom.Purchase, ProductID: p, OrderID: "x",
			Timestamp: t0.Add(-time.Duration(len(products)-k) * 24 * time.Hour)}}, evs...)
	}
	return evs
}

// retail is the Online Retail test data (see testdata/ATTRIBUTION.md), read once.
var retail = sync.OnceValues(func() (data retailData, err error) {
	f, err := os.Open("testdata/catalog.jsonl.gz")
	if err != nil {
		return data, err
	}
	defer f.Close()
	if data.items, err = ReadCatalog(f); err != nil {
		return data, err
	}
	g, err := os.Open("testdata/events.jsonl.gz")
	if err != nil {
		return data, err
	}
	defer g.Close()
	data.events, err = ReadEvents(g)
	return data, err
})

type retailData struct {
	items  []recom.CatalogItem
	events []recom.Event
}

func loadRetail(tb testing.TB) ([]recom.CatalogItem, []recom.Event) {
	tb.Helper()
	d, err := retail()
	if err != nil {
		tb.Fatal(err)
	}
	return d.items, d.events
}

// sample keeps a deterministic share of events (a hash of the position).
func sample(events []recom.Event, share float64) []recom.Event {
	var out []recom.Event
	for i := range events {
		h := uint64(i)*0x9E3779B97F4A7C15 ^ 0x5555
		h ^= h >> 29
		h *= 0xBF58476D1CE4E5B9
		h ^= h >> 32
		if float64(h%1_000_000)/1e6 < share {
			out = append(out, events[i])
		}
	}
	return out
}
