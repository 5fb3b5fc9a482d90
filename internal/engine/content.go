package engine

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/recomengine/recomengine/internal/recom"
)

// Content neighbours: TF-IDF cosine over the words of the name, the category, the brand
// and the attributes (strings as key=value, numbers bucketed by half octaves), times a
// price proximity factor (DESIGN §4):
//
//	sim(i,j) = cos(i,j) · (1 − contentPriceWeight + contentPriceWeight · min(p_i,p_j)/max(p_i,p_j))
//
// Terms held by more than maxTermItems items are skipped: their IDF is near zero and they
// cost quadratically.
const (
	contentPriceWeight = 0.3
	maxTermItems       = 5000
	minContentSim      = 0.01
	closePrice         = 0.75 // min/max price ratio the reason calls "close price"
)

var stopWords = map[string]bool{"of": true, "and": true, "the": true, "with": true, "for": true, "in": true,
	"to": true, "on": true, "an": true, "set": true, "by": true}

// terms returns the weighted terms of an item.
func terms(it *recom.CatalogItem) map[string]float64 {
	tf := map[string]float64{}
	for _, w := range strings.FieldsFunc(strings.ToLower(it.Name), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if len(w) > 1 && !stopWords[w] {
			tf[w]++
		}
	}
	if it.Category != "" {
		tf["c:"+strings.ToLower(it.Category)]++
	}
	if it.Brand != "" {
		tf["b:"+strings.ToLower(it.Brand)]++
	}
	for k, v := range it.Attributes {
		switch v := v.(type) {
		case string:
			if v != "" {
				tf["a:"+strings.ToLower(k)+"="+strings.ToLower(v)]++
			}
		case float64:
			tf["a:"+strings.ToLower(k)+"#"+strconv.Itoa(int(math.Round(2*math.Log2(1+math.Abs(v)))))]++
		}
	}
	return tf
}

// contentNeighbours computes every item's top cfg.ContentNeighbors by sim.
func (m *Model) contentNeighbours(items []recom.CatalogItem, cfg Config) neighbours {
	n := len(m.d.IDs)
	type posting struct {
		i int32
		w float32
	}
	termID := map[string]int32{}
	vecs := make([][]posting, n) // item → (term, weight)
	for k := range items {
		i, ok := m.index[items[k].ProductID]
		if !ok || vecs[i] != nil || m.d.IDs[i] != items[k].ProductID {
			continue
		}
		for t, f := range terms(&items[k]) {
			id, ok := termID[t]
			if !ok {
				id = int32(len(termID))
				termID[t] = id
			}
			vecs[i] = append(vecs[i], posting{id, float32(1 + math.Log(f))})
		}
		if vecs[i] == nil {
			vecs[i] = []posting{}
		}
	}
	df := make([]int32, len(termID))
	for _, v := range vecs {
		for _, p := range v {
			df[p.i]++
		}
	}
	postings := make([][]posting, len(termID))
	for i, v := range vecs {
		var norm float64
		for k := range v {
			v[k].w *= float32(math.Log(float64(n) / float64(df[v[k].i])))
			norm += float64(v[k].w * v[k].w)
		}
		if norm == 0 {
			continue
		}
		for k := range v {
			v[k].w /= float32(math.Sqrt(norm))
			if d := df[v[k].i]; d > 1 && d <= maxTermItems && v[k].w > 0 {
				postings[v[k].i] = append(postings[v[k].i], posting{int32(i), v[k].w})
			}
		}
	}
	lists := make([][]scoredIdx, n)
	type work struct {
		acc     []float32
		touched []int32
		top     topK
	}
	workers := make([]*work, 4)
	prices := m.d.Prices
	parallel(n, len(workers), func(w, lo, hi int) {
		wk := workers[w]
		if wk == nil {
			wk = &work{acc: make([]float32, n)}
			workers[w] = wk
		}
		for i := lo; i < hi; i++ {
			for _, p := range vecs[i] {
				if p.w <= 0 {
					continue
				}
				for _, q := range postings[p.i] {
					if wk.acc[q.i] == 0 {
						wk.touched = append(wk.touched, q.i)
					}
					wk.acc[q.i] += p.w * q.w
				}
			}
			wk.top.reset(cfg.ContentNeighbors)
			for _, j := range wk.touched {
				sim := wk.acc[j] * (1 - contentPriceWeight + contentPriceWeight*priceRatio(prices[i], prices[j]))
				if int(j) != i && sim >= minContentSim {
					wk.top.push(j, sim)
				}
				wk.acc[j] = 0
			}
			wk.touched = wk.touched[:0]
			lists[i] = slices.Clone(wk.top.sorted())
		}
	})
	return assemble(lists)
}

// priceRatio is min/max of two prices, ½ when either is unknown.
func priceRatio(a, b float32) float32 {
	if a <= 0 || b <= 0 {
		return 0.5
	}
	return min(a, b) / max(a, b)
}
