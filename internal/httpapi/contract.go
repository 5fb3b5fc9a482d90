package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"

	"github.com/recomengine/recomengine/api"
	"github.com/recomengine/recomengine/internal/recom"
)

// contract is the OpenAPI document (api/openapi.yaml): what the API promises, and what
// every request is validated against before its handler runs.
type contract struct {
	doc  *openapi3.T
	json []byte
	opts *openapi3filter.Options
}

// loadContract parses and validates the embedded OpenAPI document.
func loadContract(ctx context.Context) (*contract, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(api.OpenAPIYAML)
	if err != nil {
		return nil, fmt.Errorf("openapi: load: %w", err)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("openapi: validate: %w", err)
	}
	js, err := doc.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("openapi: marshal: %w", err)
	}
	// The document's `default:` values say what the handlers do with a field left out;
	// the validator must not write them into the request: a PUT that changes only a
	// started experiment's name would then also "change" its frozen method and split (a
	// 409), and the handlers would have two sources of defaults.
	opts := &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc, SkipSettingDefaults: true}
	return &contract{doc: doc, json: js, opts: opts}, nil
}

// operations lists every "METHOD /path" the document defines, sorted.
func (c *contract) operations() []string {
	var ops []string
	for path, item := range c.doc.Paths.Map() {
		for method := range item.Operations() {
			ops = append(ops, method+" "+path)
		}
	}
	sort.Strings(ops)
	return ops
}

// checkedInGo names the operations validated in Go rather than by the validator, and
// what of them: "body" — a batch is partly accepted, each rejected item reported with its
// index (DESIGN §2); "all" — the hot paths: the recommendation path, where validating
// the query against the document cost a third of a request's CPU, and event ingestion,
// which has neither parameters nor query: there the validator only ran its security pass
// (which read the whole body into a second copy) after requireKey had checked the key,
// 2 % of a single event's CPU. Their handlers check the same rules, with the same field
// names, and the same 401/413/415 (tests pin both), and the document still describes
// them exactly.
var checkedInGo = map[string]string{
	"POST /api/v1/events":                     "all",
	"POST /api/v1/events/batch":               "all",
	"POST /api/v1/catalog/batch":              "body",
	"POST /api/v1/tenants/{id}/catalog/batch": "body",
	"GET /api/v1/recommendations":             "all",
}

// validator returns the middleware that validates requests of the mux pattern
// ("POST /api/v1/tenants") against its operation, or an error if the document lacks it.
func (c *contract) validator(pattern string, logger *slog.Logger) (func(http.Handler) http.Handler, error) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		return nil, fmt.Errorf("openapi: route %q has no method", pattern)
	}
	item := c.doc.Paths.Value(path)
	if item == nil || item.GetOperation(method) == nil {
		return nil, fmt.Errorf("openapi: route %q is not in api/openapi.yaml", pattern)
	}
	route := &routers.Route{Spec: c.doc, Path: path, PathItem: item, Method: method, Operation: item.GetOperation(method)}
	var pathParams []string
	for _, p := range append(item.Parameters, route.Operation.Parameters...) {
		if p.Value != nil && p.Value.In == openapi3.ParameterInPath {
			pathParams = append(pathParams, p.Value.Name)
		}
	}
	opts := c.opts
	switch checkedInGo[pattern] {
	case "body":
		o := *c.opts
		o.ExcludeRequestBody = true
		opts = &o
	case "all": // their handlers check their values with the same rules (recom.ValidID)
		return func(next http.Handler) http.Handler { return next }, nil
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := checkText(r, pathParams); err != nil {
				writeProblem(w, r, logger, err)
				return
			}
			params := make(map[string]string, len(pathParams))
			for _, name := range pathParams {
				params[name] = r.PathValue(name)
			}
			in := &openapi3filter.RequestValidationInput{Request: r, PathParams: params, Route: route, Options: opts}
			if err := openapi3filter.ValidateRequest(r.Context(), in); err != nil {
				writeProblem(w, r, logger, validationError(err))
				return
			}
			next.ServeHTTP(w, r)
		})
	}, nil
}

// checkText refuses a query or path value that is not printable UTF-8 (invalid
// encoding, NUL or another C0 control character: recom.Printable, the rule of the ids and
// names the API stores), and a query that does not parse, naming the parameter. The
// document's schemas cannot say this, and the stores would refuse such a value only
// when it reached them (PostgreSQL: a 500), or match nothing with it.
func checkText(r *http.Request, pathParams []string) error {
	var fs []recom.FieldError
	for _, name := range pathParams {
		if !recom.Printable(r.PathValue(name)) {
			fs = append(fs, recom.FieldError{Field: name, Message: "must be printable UTF-8 text"})
		}
	}
	_, qs := printableQuery(r.URL.RawQuery)
	if fs = append(fs, qs...); len(fs) == 0 {
		return nil
	}
	return recom.Invalid(fs...)
}

// printableQuery parses a query string and names what checkText refuses of it, sorted by
// field, each field once.
func printableQuery(raw string) (url.Values, []recom.FieldError) {
	if raw == "" {
		return url.Values{}, nil
	}
	var fs []recom.FieldError
	q, err := url.ParseQuery(raw)
	if err != nil {
		fs = append(fs, recom.FieldError{Field: "query", Message: "must be name=value pairs joined by &, percent-encoded"})
	}
	for name, values := range q {
		switch {
		case !recom.Printable(name):
			fs = append(fs, recom.FieldError{Field: "query", Message: "must have printable UTF-8 parameter names"})
		case slices.ContainsFunc(values, func(v string) bool { return !recom.Printable(v) }):
			fs = append(fs, recom.FieldError{Field: name, Message: "must be printable UTF-8 text"})
		}
	}
	slices.SortFunc(fs, func(a, b recom.FieldError) int { return strings.Compare(a.Field, b.Field) })
	return q, slices.Compact(fs)
}

// validationError turns what the validator found into one problem naming every field.
func validationError(err error) error {
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return &recom.Error{Code: recom.CodeTooLarge, Message: fmt.Sprintf("The body is larger than %d bytes.", tooLarge.Limit)}
	}
	var fields []recom.FieldError
	var unsupported bool
	var walk func(error, string)
	walk = func(err error, at string) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(inner, at)
			}
		case *openapi3filter.RequestError:
			switch {
			case e.Parameter != nil:
				at = e.Parameter.Name
			case e.RequestBody != nil && at == "":
				at = "body"
			}
			text := e.Reason
			if e.Err != nil {
				text += " " + e.Err.Error()
			}
			if strings.Contains(text, "Content-Type") || strings.Contains(text, "unsupported content type") {
				unsupported = true
				return
			}
			if errors.Is(e.Err, openapi3filter.ErrInvalidRequired) {
				fields = append(fields, recom.FieldError{Field: orBody(at), Message: "is required"})
				return
			}
			// A parameter is one value: say what it must be, not what the validator's
			// schema engine found (its text names an internal schema URL).
			if e.Parameter != nil && e.Parameter.Schema != nil && e.Parameter.Schema.Value != nil {
				fields = append(fields, recom.FieldError{Field: at, Message: mustBe(e.Parameter.Schema.Value)})
				return
			}
			if e.Err == nil {
				fields = append(fields, recom.FieldError{Field: orBody(at), Message: e.Reason})
				return
			}
			walk(e.Err, at)
		case *openapi3.SchemaError:
			fields = append(fields, schemaField(e, at))
		case *openapi3filter.ParseError:
			var schema *openapi3.SchemaError
			if errors.As(e, &schema) {
				fields = append(fields, schemaField(schema, at))
				return
			}
			msg := "malformed JSON"
			if at != "body" && at != "" {
				msg = "has a value of the wrong type"
			}
			fields = append(fields, recom.FieldError{Field: orBody(at), Message: msg})
		default:
			if inner := errors.Unwrap(err); inner != nil {
				walk(inner, at)
				return
			}
			fields = append(fields, recom.FieldError{Field: orBody(at), Message: "is invalid"})
		}
	}
	walk(err, "")
	if unsupported && len(fields) == 0 {
		return recom.Errorf(recom.CodeUnsupportedMedia, "The body must be JSON, sent with Content-Type: application/json.")
	}
	if len(fields) == 0 {
		fields = append(fields, recom.FieldError{Field: "body", Message: "is invalid"})
	}
	return recom.Invalid(fields...)
}

// mustBe says in words what a value of the (parameter's) schema must be.
func mustBe(sc *openapi3.Schema) string {
	bound := func(f *float64) string { return strconv.FormatFloat(*f, 'f', -1, 64) }
	switch {
	case len(sc.Enum) > 0:
		vals := make([]string, len(sc.Enum))
		for i, v := range sc.Enum {
			vals[i] = fmt.Sprint(v)
		}
		return "must be one of " + strings.Join(vals, ", ")
	case sc.Type.Is("boolean"):
		return "must be true or false"
	case sc.Type.Is("integer") || sc.Type.Is("number"):
		kind := "an integer"
		if sc.Type.Is("number") {
			kind = "a number"
		}
		switch {
		case sc.Min != nil && sc.Max != nil:
			return "must be " + kind + " from " + bound(sc.Min) + " to " + bound(sc.Max)
		case sc.Min != nil:
			return "must be " + kind + " of at least " + bound(sc.Min)
		case sc.Max != nil:
			return "must be " + kind + " of at most " + bound(sc.Max)
		}
		return "must be " + kind
	case sc.Format == "date":
		return "must be a date, YYYY-MM-DD"
	case sc.Format == "date-time":
		return "must be a date and time in RFC 3339, e.g. 2026-01-31T12:00:00Z"
	case sc.MaxLength != nil && sc.MinLength > 0:
		return fmt.Sprintf("must be %d to %d characters", sc.MinLength, *sc.MaxLength)
	case sc.MaxLength != nil:
		return fmt.Sprintf("must be at most %d characters", *sc.MaxLength)
	case sc.Pattern != "":
		return "must match " + sc.Pattern
	}
	return "is invalid"
}

// schemaField names the field a schema error is about, as a dotted path ("config.currency").
func schemaField(e *openapi3.SchemaError, at string) recom.FieldError {
	ptr := e.JSONPointer()
	field := strings.Join(ptr, ".")
	msg := e.Reason
	// An unknown property is reported on its parent; name the property itself.
	if name, ok := unsupportedProperty(msg); ok {
		field = strings.Trim(strings.Join(append(ptr, name), "."), ".")
		msg = "is not a known field"
	}
	if field == "" {
		field = orBody(at)
	} else if at != "" && at != "body" {
		field = at + "." + field
	}
	if msg == "" {
		msg = "is invalid"
	}
	return recom.FieldError{Field: field, Message: msg}
}

func unsupportedProperty(reason string) (string, bool) {
	// kin-openapi: `property "foo" is unsupported`
	rest, ok := strings.CutPrefix(reason, `property "`)
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, `" is unsupported`)
	return name, ok
}

func orBody(at string) string {
	if at == "" {
		return "body"
	}
	return at
}
