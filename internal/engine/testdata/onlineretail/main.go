// Command onlineretail converts the UCI Online Retail CSV (CC BY 4.0, see ../ATTRIBUTION.md)
// into the engine's test data: events.jsonl.gz (recom.Event purchase lines) and
// catalog.jsonl.gz (recom.CatalogItem), one JSON object a line.
//
//	go run ./internal/engine/testdata/onlineretail \
//	    -in /work/shared/datasets/uci-online-retail/online_retail.csv.gz \
//	    -out internal/engine/testdata
//
// Cleaning follows the dataset's SOURCE.md: cancellations (InvoiceNo starting with C),
// non-products (POST, DOT, M, C2, D, S, BANK CHARGES, AMAZONFEE, CRUK, PADS, B, gift
// vouchers), non-positive quantity or price and rows without CustomerID are dropped. A
// product listed twice in one invoice becomes one line with the quantities summed (our
// dedup key is user, type, product, timestamp). -percent keeps a deterministic share of the
// customers (FNV of the CustomerID) with all their lines, to keep the files small.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"log"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // InvoiceDate is UK local time

	"github.com/recomengine/recomengine/internal/recom"
)

func main() {
	in := flag.String("in", "/work/shared/datasets/uci-online-retail/online_retail.csv.gz", "the gzipped UCI CSV")
	out := flag.String("out", "internal/engine/testdata", "output folder")
	percent := flag.Int("percent", 100, "share of customers to keep (1-100)")
	flag.Parse()
	if err := convert(*in, *out, *percent); err != nil {
		log.Fatal(err)
	}
}

// line is one cleaned purchase line.
type line struct {
	invoice, stock, customer string
	desc                     string
	qty                      int
	price                    float64
	at                       time.Time
}

var productCode = regexp.MustCompile(`^([0-9]{5}|DCGS)`)

func convert(in, out string, percent int) error {
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return err
	}
	r := csv.NewReader(bufio.NewReader(gz))
	if _, err := r.Read(); err != nil { // header
		return err
	}
	merged := map[[2]string]*line{} // (invoice, stock) → line
	var order [][2]string
	var read, kept int
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		read++
		invoice, stock, desc, customer := rec[0], rec[1], strings.TrimSpace(rec[2]), rec[6]
		qty, _ := strconv.Atoi(rec[3])
		price, _ := strconv.ParseFloat(rec[5], 64)
		if strings.HasPrefix(invoice, "C") || !productCode.MatchString(stock) || qty <= 0 || price <= 0 || customer == "" {
			continue
		}
		customer = strings.TrimSuffix(customer, ".0")
		h := fnv.New32a()
		h.Write([]byte(customer))
		if int(h.Sum32()%100) >= percent {
			continue
		}
		at, err := time.ParseInLocation("2006-01-02 15:04:05", rec[4], london)
		if err != nil {
			return fmt.Errorf("row %d: %w", read, err)
		}
		kept++
		key := [2]string{invoice, stock}
		if l := merged[key]; l != nil {
			l.qty += qty
			continue
		}
		merged[key] = &line{invoice: invoice, stock: stock, customer: customer, desc: desc, qty: qty, price: price, at: at.UTC()}
		order = append(order, key)
	}
	lines := make([]*line, len(order))
	for i, k := range order {
		lines[i] = merged[k]
	}
	// Sorted by customer then time: consecutive lines share most fields, so gzip packs them.
	sort.SliceStable(lines, func(a, b int) bool {
		if lines[a].customer != lines[b].customer {
			return lines[a].customer < lines[b].customer
		}
		return lines[a].at.Before(lines[b].at)
	})
	if err := writeEvents(filepath.Join(out, "events.jsonl.gz"), lines); err != nil {
		return err
	}
	n, err := writeCatalog(filepath.Join(out, "catalog.jsonl.gz"), lines)
	if err != nil {
		return err
	}
	fmt.Printf("read %d rows, kept %d (%d lines after merging), %d products\n", read, kept, len(lines), n)
	return nil
}

// event is recom.Event's JSON shape restricted to the fields the data has.
type event struct {
	Type      recom.EventType `json:"eventType"`
	UserID    string          `json:"userId"`
	ProductID string          `json:"productId"`
	Timestamp time.Time       `json:"timestamp"`
	OrderID   string          `json:"orderId"`
	Price     float64         `json:"price"`
	Quantity  int             `json:"quantity"`
	Currency  string          `json:"currency"`
}

func writeEvents(path string, lines []*line) error {
	return writeGzipJSONL(path, func(enc *json.Encoder) error {
		for _, l := range lines {
			if err := enc.Encode(event{Type: recom.Purchase, UserID: l.customer, ProductID: l.stock, Timestamp: l.at,
				OrderID: l.invoice, Price: l.price, Quantity: l.qty, Currency: "GBP"}); err != nil {
				return err
			}
		}
		return nil
	})
}

// catalogItem is recom.CatalogItem's JSON shape restricted to the fields the data has.
type catalogItem struct {
	ProductID string  `json:"productId"`
	Name      string  `json:"name"`
	Category  string  `json:"category"`
	Price     float64 `json:"price"`
	Currency  string  `json:"currency"`
	Available bool    `json:"available"`
}

func writeCatalog(path string, lines []*line) (int, error) {
	type agg struct {
		names  map[string]int
		prices []float64
	}
	items := map[string]*agg{}
	for _, l := range lines {
		a := items[l.stock]
		if a == nil {
			a = &agg{names: map[string]int{}}
			items[l.stock] = a
		}
		if l.desc != "" {
			a.names[l.desc]++
		}
		a.prices = append(a.prices, l.price)
	}
	ids := make([]string, 0, len(items))
	for id := range items {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	err := writeGzipJSONL(path, func(enc *json.Encoder) error {
		for _, id := range ids {
			a := items[id]
			name, best := id, 0
			for n, c := range a.names { // the most frequent description, ties by text
				if c > best || c == best && n < name {
					name, best = n, c
				}
			}
			slices.Sort(a.prices)
			it := catalogItem{ProductID: id, Name: name, Category: category(name), Price: a.prices[len(a.prices)/2],
				Currency: "GBP", Available: true}
			if err := enc.Encode(it); err != nil {
				return err
			}
		}
		return nil
	})
	return len(ids), err
}

// categories derive a category from words of the description: the data has none. The first
// group with a matching word wins, so the order is a priority.
var categories = []struct {
	name  string
	words []string
}{
	{"Christmas", []string{"CHRISTMAS", "XMAS", "ADVENT", "SANTA", "REINDEER", "SNOWFLAKE", "BAUBLE", "NATIVITY"}},
	{"Bags", []string{"BAG", "BAGS", "PURSE", "TOTE", "SHOPPER", "HANDBAG"}},
	{"Lighting", []string{"CANDLE", "CANDLES", "T-LIGHT", "TLIGHT", "TEALIGHT", "LANTERN", "LIGHT", "LIGHTS", "LAMP", "NIGHTLIGHT"}},
	{"Kitchen", []string{"MUG", "MUGS", "CUP", "CUPS", "PLATE", "PLATES", "BOWL", "BOWLS", "TEA", "TEACUP", "CAKE", "CAKES",
		"BAKING", "LUNCH", "JAR", "NAPKINS", "CUTLERY", "APRON", "OVEN", "KITCHEN", "BOTTLE", "SPOON", "SPOONS", "TRAY",
		"COASTER", "COASTERS", "TEAPOT", "JUG", "BEAKER", "CASES", "PANTRY", "TOWEL", "GLASS", "CAKESTAND"}},
	{"Paper & Cards", []string{"CARD", "CARDS", "WRAP", "PAPER", "NOTEBOOK", "PENCIL", "PENCILS", "STICKER", "STICKERS",
		"ENVELOPE", "TAPE", "RIBBON", "RIBBONS", "NOTEPAD", "STATIONERY", "PEN", "PENS", "ERASER", "CALENDAR", "JOURNAL"}},
	{"Party", []string{"PARTY", "BUNTING", "BALLOON", "BALLOONS", "BIRTHDAY", "CONFETTI", "GARLAND"}},
	{"Toys & Games", []string{"TOY", "TOYS", "GAME", "GAMES", "PUZZLE", "DOLL", "DOLLY", "DOMINOES", "JIGSAW", "SKIPPING",
		"SPACEBOY", "PLAYING", "CHALK", "CRAYONS", "KIT", "TEDDY"}},
	{"Garden", []string{"GARDEN", "PLANT", "PLANTER", "WATERING", "POT", "BIRD", "FEEDER", "GNOME", "SEED"}},
	{"Storage", []string{"BOX", "BOXES", "TIN", "TINS", "BASKET", "DRAWER", "STORAGE", "CRATE", "CHEST", "CABINET", "HOLDER"}},
	{"Accessories", []string{"NECKLACE", "BRACELET", "EARRINGS", "RING", "HAIR", "UMBRELLA", "WALLET", "SCARF", "GLOVES",
		"HAT", "SLIPPERS", "KEYRING", "BROOCH", "CHARM", "COSMETIC", "MIRROR"}},
	{"Home Decor", []string{"SIGN", "FRAME", "CLOCK", "CUSHION", "DOORMAT", "HANGER", "HANGERS", "HOOK", "HOOKS", "VASE",
		"ORNAMENT", "DECORATION", "HEART", "WREATH", "BLANKET", "THROW", "DOORSTOP", "PLAQUE", "CHALKBOARD", "BELL"}},
}

func category(name string) string {
	words := strings.FieldsFunc(strings.ToUpper(name), func(r rune) bool { return r == ' ' || r == ',' || r == '/' || r == '.' })
	for _, c := range categories {
		for _, w := range words {
			if slices.Contains(c.words, w) {
				return c.name
			}
		}
	}
	return "Gifts"
}

func writeGzipJSONL(path string, write func(*json.Encoder) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(gz)
	enc := json.NewEncoder(w)
	if err := write(enc); err != nil {
		return err
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return f.Close()
}
