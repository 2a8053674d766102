// Package apperr is chengguan's one error type: a closed set of stable machine
// codes, a translation key for the human message, and one table mapping codes
// to HTTP statuses. Internal causes are kept for logs and never shown to users.
package apperr

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is a stable machine-readable error code. Clients may depend on it.
type Code string

// The closed set of codes. Add a code here, to statusOf and to both locale files.
const (
	Invalid         Code = "invalid"
	Unauthenticated Code = "unauthenticated"
	Forbidden       Code = "forbidden"
	NotFound        Code = "not_found"
	BadMethod       Code = "method_not_allowed"
	Conflict        Code = "conflict"
	AccountLocked   Code = "account_locked"
	RateLimited     Code = "rate_limited"
	TooLarge        Code = "too_large"
	Unsupported     Code = "unsupported_media_type"
	Unavailable     Code = "unavailable"
	Internal        Code = "internal"
)

// Codes lists every code, for tests that check translations and statuses.
func Codes() []Code {
	return []Code{Invalid, Unauthenticated, Forbidden, NotFound, BadMethod, Conflict, AccountLocked,
		RateLimited, TooLarge, Unsupported, Unavailable, Internal}
}

// Status is the one code → HTTP status table.
func Status(c Code) int {
	switch c {
	case Invalid:
		return http.StatusBadRequest
	case Unauthenticated:
		return http.StatusUnauthorized
	case Forbidden:
		return http.StatusForbidden
	case NotFound:
		return http.StatusNotFound
	case BadMethod:
		return http.StatusMethodNotAllowed
	case Conflict:
		return http.StatusConflict
	case AccountLocked:
		return http.StatusLocked
	case RateLimited:
		return http.StatusTooManyRequests
	case TooLarge:
		return http.StatusRequestEntityTooLarge
	case Unsupported:
		return http.StatusUnsupportedMediaType
	case Unavailable:
		return http.StatusServiceUnavailable
	default:
		return http.StatusInternalServerError
	}
}

// FieldError names one invalid input field and why, as a translation key.
type FieldError struct {
	Field string
	Key   string
	Args  map[string]any
}

// Error is the error type every layer returns for expected failures.
type Error struct {
	Code Code
	// Key is the translation key of the human message; empty means "error.<code>".
	Key  string
	Args map[string]any
	// Fields lists per-field problems of an Invalid error.
	Fields []FieldError
	// Err is the internal cause: logged, never shown.
	Err error
}

func (e *Error) Error() string {
	msg := string(e.Code)
	if e.Key != "" {
		msg += ": " + e.Key
	}
	for _, f := range e.Fields {
		msg += fmt.Sprintf(" [%s: %s]", f.Field, f.Key)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// MessageKey is the translation key of the human message.
func (e *Error) MessageKey() string {
	if e.Key != "" {
		return e.Key
	}
	return "error." + string(e.Code)
}

// New returns an error with a code and a translation key.
func New(code Code, key string) *Error { return &Error{Code: code, Key: key} }

// With returns a copy of e with template arguments for its message.
func (e *Error) With(args map[string]any) *Error {
	c := *e
	c.Args = args
	return &c
}

// Wrap keeps cause as the internal reason behind a coded error.
func Wrap(code Code, key string, cause error) *Error {
	return &Error{Code: code, Key: key, Err: cause}
}

// Internalf wraps an unexpected failure; its details go to the log only.
func Internalf(format string, args ...any) *Error {
	return &Error{Code: Internal, Err: fmt.Errorf(format, args...)}
}

// InvalidFields reports one or more invalid fields.
func InvalidFields(fields ...FieldError) *Error {
	return &Error{Code: Invalid, Key: "error.invalid_fields", Fields: fields}
}

// Field is shorthand for one FieldError.
func Field(field, key string) FieldError { return FieldError{Field: field, Key: key} }

// As extracts the *Error in err's chain, or wraps err as Internal.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: Internal, Err: err}
}

// CodeOf returns the code of err; errors without one are Internal.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	return As(err).Code
}

// Is reports whether err carries code c.
func Is(err error, c Code) bool { return err != nil && CodeOf(err) == c }
