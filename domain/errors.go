package domain

import (
	"errors"
	"fmt"
)

// Error codes. Every error that crosses a port carries one of these; the edge
// (HTML handler or JSON API) maps them to a status and shows Message only.
const (
	EINVALID      = "invalid"      // the input is wrong; Fields says where
	ENOTFOUND     = "not_found"    // no such thing, or not yours to see
	ECONFLICT     = "conflict"     // the thing exists, or its state forbids the action
	EFORBIDDEN    = "forbidden"    // authenticated, but the role does not allow it
	EUNAUTHORIZED = "unauthorized" // not authenticated
	EUNAVAILABLE  = "unavailable"  // a dependency (site, directory) cannot be reached
	ETOOMANY      = "too_many"     // rate limited
	EINTERNAL     = "internal"     // a bug or an unexpected failure; logged at the edge
)

// Error is Tessera's application error. Message is safe to show to the user.
type Error struct {
	Code    string
	Message string
	// Fields maps an input field name to a message about it (EINVALID only).
	Fields map[string]string
	// Err is the underlying cause, logged but never shown.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EINVALID error with per-field messages.
func Invalid(fields map[string]string) *Error {
	msg := "Please correct the highlighted fields."
	if len(fields) == 1 {
		for _, m := range fields {
			msg = m
		}
	}
	return &Error{Code: EINVALID, Message: msg, Fields: fields}
}

// Internal wraps an unexpected error. Its text never reaches a user.
func Internal(err error) *Error {
	return &Error{Code: EINTERNAL, Message: "Internal error.", Err: err}
}

// ErrorCode returns the code of the first *Error in err's chain, EINTERNAL for
// any other error and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EINTERNAL {
		return e.Message
	}
	return "Internal error."
}

// ErrorFields returns the per-field messages of an EINVALID error, or nil.
func ErrorFields(err error) map[string]string {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
