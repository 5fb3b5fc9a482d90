package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/recomengine/recomengine/internal/recom"
)

// envelope is every success body (FR-025).
type envelope struct {
	Data any `json:"data"`
	Meta any `json:"meta,omitempty"`
}

// pageMeta is the meta of a list (FR-027).
type pageMeta struct {
	Total  int `json:"total"`
	Limit  int `json:"limit"`
	Offset int `json:"offset"`
}

// handler adapts a function returning an error to http.Handler; every error goes to
// writeProblem.
func handler(logger *slog.Logger, fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			writeProblem(w, r, logger, err)
		}
	})
}

// encode writes v as JSON with the status.
func encode(w http.ResponseWriter, status int, v any) error {
	body, err := marshal(v)
	if err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	return writeBody(w, status, body)
}

// marshal is v as every body is written: JSON and a newline.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	err := json.NewEncoder(&buf).Encode(v)
	return buf.Bytes(), err
}

// encoded is marshal for an answer sent so often that encoding it each time shows in
// profiles, made once at start.
func encoded(v any) []byte {
	body, err := marshal(v)
	if err != nil {
		panic(err)
	}
	return body
}

// writeBody writes a JSON body with the status.
func writeBody(w http.ResponseWriter, status int, body []byte) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err // the client went away; nothing more to tell it
}

// decode reads one JSON object of type T from the body: the media type must be JSON,
// unknown fields are refused, trailing data is refused and the size cap applies.
func decode[T any](r *http.Request) (T, error) {
	if err := requireJSON(r); err != nil {
		var zero T
		return zero, err
	}
	return decodeFrom[T](r.Body)
}

// readJSON reads the body whole, for more than one decoding: the media type must be
// JSON and the size cap applies.
func readJSON(r *http.Request) ([]byte, error) {
	if err := requireJSON(r); err != nil {
		return nil, err
	}
	return readBody(r)
}

// readEventJSON is readJSON for events, which may also come as text/plain: the SDK's
// (sendBeacon, and fetch without custom headers), as a body of any other type would make
// the browser send a CORS preflight first, or not send it at all (DESIGN §7).
func readEventJSON(r *http.Request) ([]byte, error) {
	if !plainText(r.Header.Get("Content-Type")) {
		if err := requireJSON(r); err != nil {
			return nil, err
		}
	}
	return readBody(r)
}

// plainText reports whether a Content-Type is text/plain in UTF-8 (a browser's string
// body), in any case; another charset is refused as not JSON.
func plainText(ct string) bool {
	if len(ct) < 10 || !strings.EqualFold(ct[:10], "text/plain") {
		return false // the JSON types, cheaply
	}
	mt, params, err := mime.ParseMediaType(ct)
	cs, given := params["charset"]
	return err == nil && mt == "text/plain" && (!given || strings.EqualFold(cs, "utf-8"))
}

// readBody reads the body whole, within the size cap.
func readBody(r *http.Request) ([]byte, error) {
	if n := r.ContentLength; n > 0 {
		// Room for the declared length, so a batch of events is read without growing
		// the buffer again and again as io.ReadAll would from 512 bytes; but at most
		// 64 KiB before the bytes arrive, so a client declaring a large body and sending
		// nothing holds no more.
		buf := bytes.NewBuffer(make([]byte, 0, min(n, 64<<10)+bytes.MinRead))
		if _, err := buf.ReadFrom(r.Body); err != nil {
			return nil, jsonError(err)
		}
		return buf.Bytes(), nil
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, jsonError(err)
	}
	return b, nil
}

// decodeFrom reads one JSON object of type T as decode does.
func decodeFrom[T any](rd io.Reader) (T, error) {
	var v T
	err := decodeInto(rd, &v)
	return v, err
}

// decodeInto is decodeFrom over the values already in *v: members the body leaves out
// keep them.
func decodeInto[T any](rd io.Reader, v *T) error {
	dec := json.NewDecoder(rd)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return jsonError(err)
		}
		return recom.Invalid(recom.FieldError{Field: "body", Message: "must hold exactly one JSON value"})
	}
	return nil
}

// decodeFast decodes body, one JSON value, into a T with encoding/json/v2 (from its
// mirror module; Go 1.27's standard library holds the same package): for a batch of 100
// events it takes half the time and two thirds of the allocations of encoding/json. It
// is the event paths' first pass, and accepts only what encoding/json decodes to the
// same value (TestDecodeFastAgrees, FuzzDecodeFastAgrees): v2 refuses names not in
// their exact case, duplicate names and invalid UTF-8, which encoding/json takes, and
// unknown names are refused here. Times are read by time.Time's own UnmarshalJSON, as
// encoding/json does: v2 would first unescape the string, and so take a timestamp
// written "…12:00:00\u002B01:00" (as .NET escapes '+'), which encoding/json refuses. A
// body it refuses is decoded again by encoding/json, whose errors name the fields at
// fault. It decodes into v, using the room its slices have.
func decodeFast[T any](body []byte, v *T) bool {
	return jsonv2.Unmarshal(body, v, jsonv2.RejectUnknownMembers(true), v1Times) == nil
}

// strictFields says why the strict decoder (json v2, as the contract reads JSON) refuses
// a body encoding/json took: a member name in another case than the contract's
// (encoding/json matches names regardless of case), a name given twice (it keeps the
// last) or invalid UTF-8 (it substitutes U+FFFD). Fields are named with the prefix at
// ("events[3]."); nil if the strict decoder takes the body too.
func strictFields[T any](body []byte, at string) []recom.FieldError {
	var v T
	err := jsonv2.Unmarshal(body, &v, jsonv2.RejectUnknownMembers(true), v1Times)
	if err == nil {
		return nil
	}
	var (
		sem *jsonv2.SemanticError
		syn *jsontext.SyntacticError
		ptr jsontext.Pointer
	)
	msg := "is invalid"
	switch {
	case errors.As(err, &syn):
		ptr = syn.JSONPointer
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			msg = "is given twice"
		case syn.Err != nil && strings.Contains(syn.Err.Error(), "UTF-8"):
			msg = "must be valid UTF-8"
		}
	case errors.As(err, &sem):
		ptr = sem.JSONPointer
		if errors.Is(sem.Err, jsonv2.ErrUnknownName) {
			msg = "is not a known field (names are case-sensitive)"
		}
	}
	field := at
	for tok := range ptr.Tokens() {
		if _, err := strconv.Atoi(tok); err == nil {
			field = strings.TrimSuffix(field, ".") + "[" + tok + "]."
		} else {
			field += tok + "."
		}
	}
	if field = strings.TrimSuffix(field, "."); field == "" {
		field = "body"
	}
	return []recom.FieldError{{Field: field, Message: msg}}
}

var v1Times = jsonv2.WithUnmarshalers(jsonv2.UnmarshalFunc(func(b []byte, t *time.Time) error { return t.UnmarshalJSON(b) }))

// decodeItem decodes one item of a batch strictly (no unknown fields), naming the fields
// at fault with the prefix at (e.g. "events[3].").
func decodeItem[T any](raw json.RawMessage, at string) (T, []recom.FieldError) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, prefixFields(jsonError(err), at).(*recom.Error).Fields
	}
	return v, strictFields[T](raw, at)
}

// requireJSON refuses a body whose media type is not JSON.
func requireJSON(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil // curl -d without a type: the body is still parsed as JSON
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return errNotJSON
	}
	return nil
}

var errNotJSON = recom.Errorf(recom.CodeUnsupportedMedia, "The body must be JSON, sent with Content-Type: application/json.")

// jsonError turns a decoding error into a problem naming the field at fault.
func jsonError(err error) error {
	var (
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
		tooLarge *http.MaxBytesError
		timeErr  *time.ParseError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &recom.Error{Code: recom.CodeTooLarge, Message: fmt.Sprintf("The body is larger than %d bytes.", tooLarge.Limit)}
	case errors.As(err, &syntax):
		return recom.Invalid(recom.FieldError{Field: "body", Message: fmt.Sprintf("malformed JSON at byte %d", syntax.Offset)})
	case errors.Is(err, io.EOF):
		return recom.Invalid(recom.FieldError{Field: "body", Message: "is empty; a JSON object is required"})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return recom.Invalid(recom.FieldError{Field: "body", Message: "malformed JSON: unexpected end"})
	case errors.As(err, &timeErr):
		// encoding/json does not name the field of a failed UnmarshalJSON; timestamp is
		// the only time any input carries.
		return recom.Invalid(recom.FieldError{Field: "timestamp", Message: "must be an RFC 3339 time such as 2026-11-25T10:00:00Z"})
	case errors.As(err, &typ):
		// encoding/json names a field of an embedded struct through the Go type
		// ("CatalogItem.price"); every JSON name of the API starts in lower case, so a
		// segment in upper case is such a type, and the client never sent it.
		var path []string
		for seg := range strings.SplitSeq(typ.Field, ".") {
			if seg != "" && (seg[0] < 'A' || seg[0] > 'Z') {
				path = append(path, seg)
			}
		}
		field := strings.Join(path, ".")
		if field == "" {
			field = "body"
		}
		return recom.Invalid(recom.FieldError{Field: field, Message: "must be " + jsonKind(typ.Type.Kind().String())})
	}
	if f, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		return recom.Invalid(recom.FieldError{Field: strings.Trim(f, `"`), Message: "is not a known field"})
	}
	return recom.Invalid(recom.FieldError{Field: "body", Message: "malformed JSON"})
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "slice", "array":
		return "an array"
	case "struct", "map":
		return "an object"
	case "float32", "float64":
		return "a number"
	}
	if strings.HasPrefix(goKind, "int") || strings.HasPrefix(goKind, "uint") {
		return "an integer"
	}
	return "of another type"
}

// pageFrom reads limit and offset (FR-027): limit defaults to 20; above 100 is a 400.
func pageFrom(r *http.Request) (recom.Page, error) {
	p := recom.Page{Limit: recom.DefaultPageLimit}
	q := r.URL.Query()
	var fields []recom.FieldError
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > recom.MaxPageLimit {
			fields = append(fields, recom.FieldError{Field: "limit", Message: fmt.Sprintf("must be an integer from 1 to %d", recom.MaxPageLimit)})
		} else {
			p.Limit = n
		}
	}
	if s := q.Get("offset"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 || n > 1_000_000 {
			fields = append(fields, recom.FieldError{Field: "offset", Message: "must be an integer from 0 to 1000000"})
		} else {
			p.Offset = n
		}
	}
	if len(fields) > 0 {
		return p, recom.Invalid(fields...)
	}
	return p, nil
}
