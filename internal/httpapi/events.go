package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/recomengine/recomengine/internal/ingest"
	"github.com/recomengine/recomengine/internal/recom"
)

// shed answers 503 before the body is read when the ingester is overloaded, so the
// flusher is never starved by parsing work for requests it cannot take.
func (s *server) shed(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.Ingester.Overloaded() {
			writeProblem(w, r, s.Logger, ingest.ErrOverloaded)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// warnings are non-fatal remarks on accepted input (DESIGN §2: unknown productId).
type warnings struct {
	Warnings []recom.FieldError `json:"warnings,omitempty"`
}

// handleEventIngest serves POST /api/v1/events (US2-2): 202 once the event is durable; a
// duplicate gets 200 with meta.duplicate (US2-4, FR-010).
func (s *server) handleEventIngest() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		body, err := readEventJSON(r)
		if err != nil {
			return err
		}
		var ev recom.Event
		if !decodeFast(body, &ev) { // decoded again to name the field at fault
			if ev, err = decodeFrom[recom.Event](bytes.NewReader(body)); err != nil {
				return err
			}
			if fs := strictFields[recom.Event](body, ""); fs != nil {
				return recom.Invalid(fs...)
			}
		}
		now := recom.Now()
		if fs := ev.Normalize("", now); len(fs) > 0 {
			return recom.Invalid(fs...)
		}
		ev.TenantID = p.TenantID
		warn, err := s.unknownProducts(r, p.TenantID, []recom.Event{ev}, func(int) string { return "productId" })
		if err != nil {
			return err
		}
		created, err := s.Ingester.Append(r.Context(), []recom.Event{ev})
		if err != nil {
			return err
		}
		if !created[0] {
			meta := map[string]any{"duplicate": true}
			if len(warn) > 0 {
				meta["warnings"] = warn
			}
			return encode(w, http.StatusOK, envelope{Data: map[string]int{"accepted": 0}, Meta: meta})
		}
		if len(warn) == 0 {
			return writeBody(w, http.StatusAccepted, acceptedOne)
		}
		return encode(w, http.StatusAccepted, envelope{Data: map[string]int{"accepted": 1}, Meta: warnings{warn}})
	})
}

// acceptedOne is the answer to most single events: encoding it took a twelfth of the
// server's CPU per event at 10,000 a second.
var acceptedOne = encoded(envelope{Data: map[string]int{"accepted": 1}, Meta: warnings{}})

// batchProblem is one rejected item of a batch: a problem document with its index.
type batchProblem struct {
	problem
	Index int `json:"index"`
}

type batchResult struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
	Rejected   int `json:"rejected"`
}

type eventBatch struct {
	Events []json.RawMessage `json:"events"`
}

// handleEventBatch serves POST /api/v1/events/batch (US2-3, FR-008): up to 100 events;
// valid ones are stored even when others are rejected (202 with per-event problems).
func (s *server) handleEventBatch() http.Handler {
	return handler(s.Logger, func(w http.ResponseWriter, r *http.Request) error {
		p, _ := recom.PrincipalFrom(r.Context())
		body, err := readEventJSON(r)
		if err != nil {
			return err
		}
		// Most batches are well formed: one strict pass decodes them. Only a batch that
		// fails it is taken apart event by event, to say which fields of which are wrong.
		var (
			events []recom.Event
			raws   []json.RawMessage
		)
		// Room for the events the body can hold (each takes 48 bytes at the least), so
		// decoding does not grow the slice event by event.
		all := struct {
			Events []recom.Event `json:"events"`
		}{make([]recom.Event, 0, min(recom.MaxEventBatch, len(body)/48+1))}
		if decodeFast(body, &all) {
			events = all.Events
		} else {
			in, err := decodeFrom[eventBatch](bytes.NewReader(body))
			if err != nil {
				return err
			}
			if fs := strictFields[eventBatch](body, ""); fs != nil && !strings.HasPrefix(fs[0].Field, "events[") {
				return recom.Invalid(fs...) // the envelope; each event is checked by itself
			}
			raws = in.Events
		}
		n := max(len(events), len(raws))
		if n == 0 || n > recom.MaxEventBatch {
			return recom.Invalid(recom.FieldError{Field: "events", Message: fmt.Sprintf("must hold 1 to %d events", recom.MaxEventBatch)})
		}
		now := recom.Now()
		// The valid events are gathered in place, over those decoded (an event is ~300
		// bytes: growing a slice of a hundred copies them eight times over).
		valid, indexOf := events[:0], make([]int, 0, n)
		if raws != nil {
			valid = make([]recom.Event, 0, n)
		}
		var (
			errs   []batchProblem
			fields []recom.FieldError
		)
		for i := range n {
			at := "events[" + strconv.Itoa(i) + "]."
			var ev recom.Event
			var fs []recom.FieldError
			if raws == nil {
				ev = events[i]
				fs = ev.Normalize(at, now)
			} else {
				ev, fs = decodeEvent(raws[i], at, now)
			}
			if len(fs) > 0 {
				errs = append(errs, s.itemProblem(r, i, fs))
				fields = append(fields, fs...)
				continue
			}
			ev.TenantID = p.TenantID
			// Receipt times a microsecond apart keep the batch's order where timestamps
			// tie (a user's recent events rank by receipt then).
			ev.ReceivedAt = ev.ReceivedAt.Add(time.Duration(i) * time.Microsecond)
			valid, indexOf = append(valid, ev), append(indexOf, i)
		}
		if len(valid) == 0 {
			return recom.Invalid(fields...)
		}
		warn, err := s.unknownProducts(r, p.TenantID, valid, func(i int) string { return fmt.Sprintf("events[%d].productId", indexOf[i]) })
		if err != nil {
			return err
		}
		created, err := s.Ingester.Append(r.Context(), valid)
		if err != nil {
			return err
		}
		res := batchResult{Rejected: len(errs)}
		for _, c := range created {
			if c {
				res.Accepted++
			} else {
				res.Duplicates++
			}
		}
		return encode(w, http.StatusAccepted, struct {
			Data   batchResult    `json:"data"`
			Meta   warnings       `json:"meta"`
			Errors []batchProblem `json:"errors,omitempty"`
		}{res, warnings{warn}, errs})
	})
}

// decodeEvent decodes and validates one event of a batch, naming fields with at.
func decodeEvent(raw json.RawMessage, at string, now time.Time) (recom.Event, []recom.FieldError) {
	ev, fs := decodeItem[recom.Event](raw, at)
	if len(fs) > 0 {
		return ev, fs
	}
	return ev, ev.Normalize(at, now)
}

// itemProblem is the problem document of one rejected batch item.
func (s *server) itemProblem(r *http.Request, index int, fs []recom.FieldError) batchProblem {
	return batchProblem{Index: index, problem: problem{
		Type: problemDocsURL + string(recom.CodeInvalid), Title: http.StatusText(http.StatusBadRequest),
		Status: http.StatusBadRequest, Detail: recom.Invalid(fs...).Message, Code: recom.CodeInvalid,
		RequestID: recom.RequestID(r.Context()), Errors: fs,
	}}
}

// unknownProducts warns of events whose productId is not in the catalog: they are
// accepted, and the engine ignores unknown products (spec edge case).
func (s *server) unknownProducts(r *http.Request, tenantID string, evs []recom.Event, field func(int) string) ([]recom.FieldError, error) {
	ids := make([]string, len(evs))
	for i, e := range evs {
		ids[i] = e.ProductID
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	missing, err := s.products.Missing(r.Context(), tenantID, ids)
	if err != nil || len(missing) == 0 {
		return nil, err
	}
	var warn []recom.FieldError
	for i, e := range evs {
		if slices.Contains(missing, e.ProductID) {
			warn = append(warn, recom.FieldError{Field: field(i), Message: "is not in the catalog; the event is kept, and recommendations ignore the product until it is added"})
		}
	}
	return warn, nil
}
