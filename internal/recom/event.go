package recom

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// EventType is one of the 7 behaviours of FR-009.
type EventType string

// Event types (FR-009).
const (
	ProductViewed           EventType = "product_viewed"
	ProductClicked          EventType = "product_clicked"
	AddToCart               EventType = "add_to_cart"
	RemoveFromCart          EventType = "remove_from_cart"
	Purchase                EventType = "purchase"
	RecommendationClicked   EventType = "recommendation_clicked"
	RecommendationImpressed EventType = "recommendation_impressed"
)

// EventTypes lists every event type.
var EventTypes = []EventType{ProductViewed, ProductClicked, AddToCart, RemoveFromCart, Purchase,
	RecommendationClicked, RecommendationImpressed}

// Event is one behavioural signal. A purchase is one event per order line, sharing OrderID.
// Deduplicated on (tenant, user, type, product, timestamp) (FR-010).
type Event struct {
	TenantID         string          `json:"-"`
	Type             EventType       `json:"eventType"`
	UserID           string          `json:"userId"`
	ProductID        string          `json:"productId"`
	Timestamp        time.Time       `json:"timestamp"`
	SessionID        string          `json:"sessionId,omitempty"`
	AnonymousID      string          `json:"anonymousId,omitempty"`
	RecommendationID string          `json:"recommendationId,omitempty"`
	Placement        string          `json:"placement,omitempty"`
	Position         *int            `json:"position,omitempty"`
	OrderID          string          `json:"orderId,omitempty"`
	Price            *float64        `json:"price,omitempty"`
	Quantity         *int            `json:"quantity,omitempty"`
	Currency         string          `json:"currency,omitempty"`
	Metadata         json.RawMessage `json:"metadata,omitempty"`
	ReceivedAt       time.Time       `json:"receivedAt"`
}

// Event limits (DESIGN §2, FR-008).
const (
	MaxEventBatch      = 100
	MaxEventMetadata   = 4096
	MaxFutureClockSkew = 5 * time.Minute
	maxEventID         = 128
)

// Normalize fills defaults (timestamp = receipt time, UTC, µs precision) and validates the
// event; field names are prefixed with at (e.g. "events[3].").
func (e *Event) Normalize(at string, now time.Time) []FieldError {
	var fs []FieldError
	bad := func(field, msg string) { fs = append(fs, FieldError{Field: at + field, Message: msg}) }
	if !slices.Contains(EventTypes, e.Type) {
		bad("eventType", "must be one of "+joinTypes())
	}
	e.UserID = strings.TrimSpace(e.UserID)
	if !validID(e.UserID, maxEventID) {
		bad("userId", fmt.Sprintf("is required: 1 to %d printable characters", maxEventID))
	}
	e.ProductID = strings.TrimSpace(e.ProductID)
	if e.ProductID != "" && !validID(e.ProductID, maxProductID) {
		bad("productId", fmt.Sprintf("must be 1 to %d printable characters", maxProductID))
	} else if e.ProductID == "" && e.Type != "" {
		bad("productId", "is required for "+string(e.Type))
	}
	if e.Timestamp.IsZero() {
		e.Timestamp = now
	}
	e.Timestamp = e.Timestamp.UTC().Truncate(time.Microsecond)
	if e.Timestamp.After(now.Add(MaxFutureClockSkew)) {
		bad("timestamp", "must not be more than 5 minutes in the future")
	}
	if e.Timestamp.Year() < 2000 {
		bad("timestamp", "must be after 2000-01-01")
	}
	// An array, not a map: no allocation per event, and the errors in one order.
	for _, f := range [...]struct{ name, value string }{{"sessionId", e.SessionID}, {"anonymousId", e.AnonymousID},
		{"recommendationId", e.RecommendationID}, {"placement", e.Placement}, {"orderId", e.OrderID}} {
		if f.value != "" && !validID(f.value, maxEventID) {
			bad(f.name, fmt.Sprintf("must be 1 to %d printable characters", maxEventID))
		}
	}
	if e.Position != nil && (*e.Position < 0 || *e.Position > 1000) {
		bad("position", "must be between 0 and 1000")
	}
	if e.Price != nil && (*e.Price < 0 || *e.Price > 1e9) {
		bad("price", "must be between 0 and 1000000000")
	}
	if e.Quantity != nil && (*e.Quantity < 1 || *e.Quantity > 100000) {
		bad("quantity", "must be between 1 and 100000")
	}
	if e.Currency != "" && !validCurrency(e.Currency) {
		bad("currency", "must be an ISO 4217 code such as USD")
	}
	if len(e.Metadata) > MaxEventMetadata {
		bad("metadata", fmt.Sprintf("must be at most %d bytes of JSON", MaxEventMetadata))
	} else if len(e.Metadata) > 0 && (e.Metadata[0] != '{' || !json.Valid(e.Metadata)) && string(e.Metadata) != "null" {
		bad("metadata", "must be a JSON object")
	} else if !utf8.Valid(e.Metadata) || bytes.Contains(e.Metadata, []byte(`\u0000`)) {
		bad("metadata", "must be valid UTF-8 without NUL characters")
	}
	switch e.Type {
	case Purchase:
		if e.OrderID == "" {
			bad("orderId", "is required for purchase")
		}
		if e.Quantity == nil {
			one := 1
			e.Quantity = &one
		}
	case RecommendationClicked, RecommendationImpressed:
		if e.RecommendationID == "" {
			bad("recommendationId", "is required for "+string(e.Type))
		}
		if e.Placement == "" {
			bad("placement", "is required for "+string(e.Type))
		}
	}
	e.ReceivedAt = now
	return fs
}

func joinTypes() string {
	s := make([]string, len(EventTypes))
	for i, t := range EventTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// EventFilter selects a tenant's events for a list, newest first.
type EventFilter struct {
	Type      EventType
	UserID    string
	ProductID string
	Page      Page
}

// EventStore keeps events.
type EventStore interface {
	// AppendEvents writes events of any tenants (each carries TenantID) in one
	// transaction and reports, per event, whether it was new (false: a duplicate of a
	// stored event, or of an earlier one in the same call). It returns only after the
	// transaction committed: the events are durable. In the same transaction it marks
	// stale (AnalyticsStore) the days the new AnalyticEvents can change: an event's own
	// UTC day, and for a recommendation_clicked also every day up to the one holding its
	// time plus the tenant's attribution window.
	AppendEvents(ctx context.Context, events []Event) ([]bool, error)
	// FindEvents lists the tenant's events newest first, with the total matching.
	FindEvents(ctx context.Context, tenantID string, f EventFilter) ([]Event, int, error)
	// ScanEvents calls fn with the tenant's events at or after since, oldest first, in
	// chunks, without holding them all in memory: the input of a model build. It stops at
	// fn's first error and returns it.
	ScanEvents(ctx context.Context, tenantID string, since time.Time, fn func([]Event) error) error
	// ScanEventsBetween is ScanEvents over [from, to) and only the given types (every
	// type when none is given): the input of a rollup.
	ScanEventsBetween(ctx context.Context, tenantID string, from, to time.Time, types []EventType, fn func([]Event) error) error
}
