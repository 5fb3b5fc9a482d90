package engine

import (
	"cmp"
	"slices"

	"github.com/recomengine/recomengine/internal/recom"
)

// Frequently bought together: association rules i → j over baskets (DESIGN §4). A basket
// is the purchase lines sharing an orderId, else one user's purchases no more than
// basketGap apart. For a pair seen in at least Config.FBTMinOrders baskets:
//
//	support(i,j) = n(i,j)/N,  confidence(i→j) = n(i,j)/n(i),  lift(i→j) = confidence/(n(j)/N)
//
// Each item keeps its top Config.FBTNeighbors by confidence, the classic "customers who
// bought i also bought j" order; the reason quotes n(i,j).
const (
	basketGap = 30 * 60 // seconds
	// maxBasket skips bulk orders: hundreds of lines say little about what goes together
	// and cost quadratically.
	maxBasket = 200
)

// fbtNeighbours returns the bought-together lists with their basket counts and lifts, and
// the number of baskets.
func fbtNeighbours(raw []rawEvent, n int, cfg Config) (nb neighbours, count []int32, lift []float32, baskets int) {
	type pair struct{ basket, item int32 }
	var pairs []pair
	orders := int32(0)
	for _, e := range raw {
		if e.typ == recom.Purchase && e.order >= orders {
			orders = e.order + 1
		}
	}
	next, lastT, lastUser := orders-1, int64(0), int32(-1)
	for _, e := range raw {
		if e.typ != recom.Purchase {
			continue
		}
		b := e.order
		if b < 0 { // no orderId: a session of this user's purchases
			if e.user != lastUser || e.t-lastT > basketGap {
				next++
			}
			b, lastT, lastUser = next, e.t, e.user
		}
		pairs = append(pairs, pair{b, e.item})
	}
	slices.SortFunc(pairs, func(a, b pair) int {
		if c := cmp.Compare(a.basket, b.basket); c != 0 {
			return c
		}
		return cmp.Compare(a.item, b.item)
	})
	pairs = slices.Compact(pairs)
	// Basket → items (CSR), skipping bulk baskets.
	var bOff []int32
	var bItems []int32
	for lo := 0; lo < len(pairs); {
		hi := lo
		for hi < len(pairs) && pairs[hi].basket == pairs[lo].basket {
			hi++
		}
		if hi-lo <= maxBasket {
			bOff = append(bOff, int32(len(bItems)))
			for _, p := range pairs[lo:hi] {
				bItems = append(bItems, p.item)
			}
		}
		lo = hi
	}
	baskets = len(bOff)
	bOff = append(bOff, int32(len(bItems)))
	// Item → baskets.
	iOff := make([]int32, n+1)
	for _, i := range bItems {
		iOff[i+1]++
	}
	for i := range n {
		iOff[i+1] += iOff[i]
	}
	iBaskets := make([]int32, len(bItems))
	fill := slices.Clone(iOff[:n])
	for b := range baskets {
		for _, i := range bItems[bOff[b]:bOff[b+1]] {
			iBaskets[fill[i]] = int32(b)
			fill[i]++
		}
	}
	type entry struct {
		i    int32
		conf float32
		n    int32
		lift float32
	}
	lists := make([][]entry, n)
	type work struct {
		co      []int32
		touched []int32
		top     topK
	}
	workers := make([]*work, 4)
	parallel(n, len(workers), func(w, lo, hi int) {
		wk := workers[w]
		if wk == nil {
			wk = &work{co: make([]int32, n)}
			workers[w] = wk
		}
		for i := lo; i < hi; i++ {
			ni := iOff[i+1] - iOff[i]
			for _, b := range iBaskets[iOff[i]:iOff[i+1]] {
				for _, j := range bItems[bOff[b]:bOff[b+1]] {
					if wk.co[j] == 0 {
						wk.touched = append(wk.touched, j)
					}
					wk.co[j]++
				}
			}
			wk.top.reset(cfg.FBTNeighbors)
			for _, j := range wk.touched {
				if c := wk.co[j]; int(j) != i && int(c) >= cfg.FBTMinOrders {
					wk.top.push(j, float32(c)/float32(ni))
				}
			}
			for _, x := range wk.top.sorted() {
				nj := iOff[x.i+1] - iOff[x.i]
				lists[i] = append(lists[i], entry{x.i, x.s, wk.co[x.i], x.s * float32(baskets) / float32(nj)})
			}
			for _, j := range wk.touched {
				wk.co[j] = 0
			}
			wk.touched = wk.touched[:0]
		}
	})
	nb.Off = make([]int32, n+1)
	for i, l := range lists {
		for _, x := range l {
			nb.Nbr = append(nb.Nbr, x.i)
			nb.W = append(nb.W, x.conf)
			count = append(count, x.n)
			lift = append(lift, x.lift)
		}
		nb.Off[i+1] = int32(len(nb.Nbr))
	}
	return nb, count, lift, baskets
}

// fbtCount returns how many baskets hold both i and j (0 when j is not in i's list).
func (m *Model) fbtCount(i, j int32) int32 {
	lo, hi := m.d.FBT.Off[i], m.d.FBT.Off[i+1]
	for k := lo; k < hi; k++ {
		if m.d.FBT.Nbr[k] == j {
			return m.d.FBTN[k]
		}
	}
	return 0
}

// Association is a bought-together rule: the product → ProductID.
type Association struct {
	ProductID  string
	Orders     int     // baskets holding both
	Support    float64 // Orders / baskets
	Confidence float64 // Orders / baskets holding the product
	Lift       float64 // Confidence / the share of baskets holding ProductID
}

// BoughtTogether returns a product's bought-together rules, by confidence (nil for a
// product unknown to the model).
func (m *Model) BoughtTogether(productID string) []Association {
	i, ok := m.index[productID]
	if !ok {
		return nil
	}
	var out []Association
	for k := m.d.FBT.Off[i]; k < m.d.FBT.Off[i+1]; k++ {
		out = append(out, Association{ProductID: m.d.IDs[m.d.FBT.Nbr[k]], Orders: int(m.d.FBTN[k]),
			Support: float64(m.d.FBTN[k]) / float64(max(m.d.Baskets, 1)), Confidence: float64(m.d.FBT.W[k]),
			Lift: float64(m.d.FBTLift[k])})
	}
	return out
}
