package recom

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an Error; the HTTP layer maps each to a status.
type Code string

// Error codes. Each becomes one HTTP status in httpapi.
const (
	CodeInvalid          Code = "invalid"            // 400
	CodeUnauthorized     Code = "unauthorized"       // 401
	CodeForbidden        Code = "forbidden"          // 403
	CodeNotFound         Code = "not_found"          // 404
	CodeMethodNotAllowed Code = "method_not_allowed" // 405
	CodeConflict         Code = "conflict"           // 409
	CodeTooLarge         Code = "too_large"          // 413
	CodeUnsupportedMedia Code = "unsupported_media"  // 415
	CodeRateLimited      Code = "rate_limited"       // 429
	CodeInternal         Code = "internal"           // 500
	CodeUnavailable      Code = "unavailable"        // 503
)

// FieldError names one input field at fault and says what is wrong with it.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the domain error. Message is safe to show callers; every other error reaches
// them as CodeInternal with a generic message.
type Error struct {
	Code       Code
	Message    string
	Fields     []FieldError
	RetryAfter time.Duration // set with CodeRateLimited and CodeUnavailable
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return string(e.Code) + ": " + e.Message
	}
	return fmt.Sprintf("%s: %s %v", e.Code, e.Message, e.Fields)
}

// Errorf builds an Error whose message is shown to callers. Never pass an err into it.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid builds a CodeInvalid error naming the fields at fault.
func Invalid(fields ...FieldError) *Error {
	msg := "The request is invalid."
	if len(fields) == 1 {
		msg = fmt.Sprintf("%s: %s", fields[0].Field, fields[0].Message)
	}
	return &Error{Code: CodeInvalid, Message: msg, Fields: fields}
}

// ErrorCode returns the Code of err, or CodeInternal when err is not an *Error.
func ErrorCode(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// IsNotFound reports whether err is a CodeNotFound Error.
func IsNotFound(err error) bool { return ErrorCode(err) == CodeNotFound }
