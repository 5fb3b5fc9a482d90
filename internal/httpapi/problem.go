package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"

	"github.com/recomengine/recomengine/internal/recom"
)

// problemDocsURL prefixes a problem's type; the suffix is its code.
const problemDocsURL = "https://docs.recomengine.dev/problems/"

// problem is an RFC 7807 problem document with our extensions (FR-026).
type problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail"`
	Instance  string             `json:"instance,omitempty"`
	Code      recom.Code         `json:"code"`
	RequestID string             `json:"requestId"`
	Errors    []recom.FieldError `json:"errors,omitempty"`
}

var statusOf = map[recom.Code]int{
	recom.CodeInvalid:          http.StatusBadRequest,
	recom.CodeUnauthorized:     http.StatusUnauthorized,
	recom.CodeForbidden:        http.StatusForbidden,
	recom.CodeNotFound:         http.StatusNotFound,
	recom.CodeMethodNotAllowed: http.StatusMethodNotAllowed,
	recom.CodeConflict:         http.StatusConflict,
	recom.CodeTooLarge:         http.StatusRequestEntityTooLarge,
	recom.CodeUnsupportedMedia: http.StatusUnsupportedMediaType,
	recom.CodeRateLimited:      http.StatusTooManyRequests,
	recom.CodeInternal:         http.StatusInternalServerError,
	recom.CodeUnavailable:      http.StatusServiceUnavailable,
}

// writeProblem is the only place an error becomes an HTTP response.
func writeProblem(w http.ResponseWriter, r *http.Request, logger *slog.Logger, err error) {
	var e *recom.Error
	if !errors.As(err, &e) || e.Code == recom.CodeInternal {
		logger.ErrorContext(r.Context(), "request failed", "err", err, "method", r.Method, "path", r.URL.Path)
		e = &recom.Error{Code: recom.CodeInternal, Message: "Something went wrong on our side; the request ID identifies it."}
	}
	status, ok := statusOf[e.Code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	h := w.Header()
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	h.Del("Content-Length")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(problem{
		Type: problemDocsURL + string(e.Code), Title: http.StatusText(status), Status: status,
		Detail: e.Message, Instance: r.URL.Path, Code: e.Code,
		RequestID: recom.RequestID(r.Context()), Errors: e.Fields,
	})
}
