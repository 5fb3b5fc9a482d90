package recom

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// CatalogItem is a product in a tenant's catalog (FR-011), upserted by ProductID.
type CatalogItem struct {
	ProductID   string         `json:"productId"`
	Name        string         `json:"name"`
	Category    string         `json:"category"`
	Price       float64        `json:"price"`
	Currency    string         `json:"currency"`
	ImageURL    string         `json:"imageUrl"`
	URL         string         `json:"url"`
	Description string         `json:"description"`
	Brand       string         `json:"brand"`
	Attributes  map[string]any `json:"attributes"` // values are strings or numbers; stores read none as {}
	Available   bool           `json:"available"`
	CreatedAt   time.Time      `json:"createdAt"`
	UpdatedAt   time.Time      `json:"updatedAt"`
}

// Catalog limits (DESIGN §2).
const (
	MaxCatalogBatch    = 500
	maxProductID       = 128
	maxItemName        = 500
	maxItemText        = 5000
	maxItemURL         = 2048
	maxItemAttributes  = 50
	maxAttributeKey    = 64
	maxAttributeString = 500
)

// Validate checks an item; field names are prefixed with at (e.g. "items[3].").
func (c *CatalogItem) Validate(at string) []FieldError {
	var fs []FieldError
	bad := func(field, msg string) { fs = append(fs, FieldError{Field: at + field, Message: msg}) }
	c.ProductID = strings.TrimSpace(c.ProductID)
	if !validID(c.ProductID, maxProductID) {
		bad("productId", fmt.Sprintf("must be 1 to %d printable characters", maxProductID))
	} else if dotSegment(c.ProductID) {
		bad("productId", "cannot be . or ..: a URL (/catalog/{productId}) cannot carry either")
	}
	c.Name = strings.TrimSpace(c.Name)
	if n := utf8.RuneCountInString(c.Name); n < 1 || n > maxItemName {
		bad("name", fmt.Sprintf("must be 1 to %d characters", maxItemName))
	}
	if utf8.RuneCountInString(c.Category) > 200 {
		bad("category", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(c.Brand) > 200 {
		bad("brand", "must be at most 200 characters")
	}
	if utf8.RuneCountInString(c.Description) > maxItemText {
		bad("description", fmt.Sprintf("must be at most %d characters", maxItemText))
	}
	if c.Price < 0 || c.Price > 1e9 {
		bad("price", "must be between 0 and 1000000000")
	}
	if c.Currency != "" && !validCurrency(c.Currency) {
		bad("currency", "must be an ISO 4217 code such as USD")
	}
	for field, u := range map[string]string{"imageUrl": c.ImageURL, "url": c.URL} {
		if u != "" && !validWebURL(u) {
			bad(field, fmt.Sprintf("must be an http(s) URL of at most %d characters", maxItemURL))
		}
	}
	for field, v := range map[string]string{"name": c.Name, "category": c.Category, "brand": c.Brand} {
		if !cleanText(v, false) {
			bad(field, "must be valid UTF-8 without control characters")
		}
	}
	if !cleanText(c.Description, true) {
		bad("description", "must be valid UTF-8 without control characters other than tab and newline")
	}
	if len(c.Attributes) > maxItemAttributes {
		bad("attributes", fmt.Sprintf("must have at most %d entries", maxItemAttributes))
	}
	for k, v := range c.Attributes {
		if k == "" || utf8.RuneCountInString(k) > maxAttributeKey || !cleanText(k, false) {
			bad("attributes", fmt.Sprintf("keys must be 1 to %d characters of valid UTF-8 without control characters", maxAttributeKey))
			continue
		}
		switch v := v.(type) {
		case string:
			if utf8.RuneCountInString(v) > maxAttributeString || !cleanText(v, false) || !cleanText(k, false) {
				bad("attributes."+k, fmt.Sprintf("must be at most %d characters of valid UTF-8 without control characters", maxAttributeString))
			}
		case float64:
		default:
			bad("attributes."+k, "must be a string or a number")
		}
	}
	return fs
}

// CatalogFilter selects catalog items for a list.
type CatalogFilter struct {
	Category  string
	Available *bool
	Search    string // case-insensitive substring of the name
	Page      Page
}

// CatalogStore keeps each tenant's catalog; every method is scoped by tenant (FR-004).
type CatalogStore interface {
	// UpsertItems creates or replaces items by productId and reports, per item, whether
	// it was created (true) or updated (false). CreatedAt is kept on update.
	UpsertItems(ctx context.Context, tenantID string, items []CatalogItem) ([]bool, error)
	// FindItem returns CodeNotFound if the tenant has no such product.
	FindItem(ctx context.Context, tenantID, productID string) (CatalogItem, error)
	// FindItems lists the tenant's items, newest first, with the total matching.
	FindItems(ctx context.Context, tenantID string, f CatalogFilter) ([]CatalogItem, int, error)
	// DeleteItem removes an item. Returns CodeNotFound if there is none.
	DeleteItem(ctx context.Context, tenantID, productID string) error
	// MissingProducts returns those of ids the tenant's catalog lacks.
	MissingProducts(ctx context.Context, tenantID string, ids []string) ([]string, error)
	// FindItemsByIDs returns the tenant's items among ids (unknown ids are left out), in
	// no particular order: the live check of a recommendation list (FR-012).
	FindItemsByIDs(ctx context.Context, tenantID string, ids []string) ([]CatalogItem, error)
}

// ValidID reports whether s can be a user, product or placement id: 1 to 128 bytes of
// printable UTF-8, the rule of events and the catalog.
func ValidID(s string) bool { return validID(s, maxEventID) }

func validID(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// dotSegment reports "." and "..", which a URL path cannot carry as a segment: clients
// (browsers, fetch, curl) resolve them, %2E-escaped too, before sending. An id that appears
// in a path (a product, a placement) must not be one.
func dotSegment(s string) bool { return s == "." || s == ".." }

// Printable reports whether s is valid UTF-8 without C0 control characters or DEL: the
// rule of every id and name the API stores, for values that arrive in a URL too.
func Printable(s string) bool { return cleanText(s, false) }

// cleanText reports whether s is valid UTF-8 without control characters (tab and newline
// allowed when multiline): stores refuse NUL, and control characters in a product name
// would end up in every widget.
func cleanText(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 && !(multiline && (r == '\t' || r == '\n' || r == '\r')) || r == 0x7f {
			return false
		}
	}
	return true
}

func validCurrency(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

func validWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && len(s) <= maxItemURL && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
