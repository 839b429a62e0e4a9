package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

// Error is an API error: an HTTP status, its canonical Google status name,
// a message for people and, for bad requests, what is wrong with each
// field. It is written as {"error": {...}} (AIP-193).
type Error struct {
	Code    int                 `json:"code"`
	Status  string              `json:"status"`
	Message string              `json:"message"`
	Details []models.FieldError `json:"details,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Code, e.Status, e.Message) }

// Canonical status names of the HTTP statuses the API answers with.
var statusNames = map[int]string{
	http.StatusBadRequest:            "INVALID_ARGUMENT",
	http.StatusUnauthorized:          "UNAUTHENTICATED",
	http.StatusForbidden:             "PERMISSION_DENIED",
	http.StatusNotFound:              "NOT_FOUND",
	http.StatusMethodNotAllowed:      "UNIMPLEMENTED",
	http.StatusConflict:              "ABORTED",
	http.StatusRequestEntityTooLarge: "PAYLOAD_TOO_LARGE",
	http.StatusUnsupportedMediaType:  "UNSUPPORTED_MEDIA_TYPE",
	http.StatusInternalServerError:   "INTERNAL",
	http.StatusServiceUnavailable:    "UNAVAILABLE",
}

func newError(code int, format string, args ...any) *Error {
	return &Error{Code: code, Status: statusNames[code], Message: fmt.Sprintf(format, args...)}
}

// invalid is a 400 whose message sums up the field errors.
func invalid(details ...models.FieldError) *Error {
	parts := make([]string, len(details))
	for i, d := range details {
		parts[i] = d.Error()
	}
	return &Error{Code: http.StatusBadRequest, Status: "INVALID_ARGUMENT",
		Message: "invalid request: " + strings.Join(parts, "; "), Details: details}
}

func invalidField(field, format string, args ...any) *Error {
	return invalid(models.FieldError{Field: field, Description: fmt.Sprintf(format, args...)})
}

func notFound(name string) *Error {
	return newError(http.StatusNotFound, "%s not found", name)
}

// staleEtag is a 409 for a write whose etag names a version that another
// write has replaced (AIP-154).
func staleEtag(name string) *Error {
	return newError(http.StatusConflict, "the etag does not match %s: it changed since it was read; get it again and retry", name)
}

// failedPrecondition is a 409 for a write the resource's current state forbids.
func failedPrecondition(format string, args ...any) *Error {
	e := newError(http.StatusConflict, format, args...)
	e.Status = "FAILED_PRECONDITION"
	return e
}

func alreadyExists(name string) *Error {
	e := newError(http.StatusConflict, "%s already exists", name)
	e.Status = "ALREADY_EXISTS"
	return e
}

func inUseError(e *store.InUseError) *Error {
	return failedPrecondition("%s is used by %s: remove it from their notices first",
		e.Connection, strings.Join(e.Managers, ", "))
}

// storeError turns a store failure about the resource name into what the
// client is told; an unexpected one is left for a logged 500.
func storeError(err error, name string) error {
	switch {
	case err == nil:
		return nil
	case asAPIError(err) != nil:
		return err
	case errors.Is(err, store.ErrNotFound):
		return notFound(name)
	case errors.Is(err, store.ErrNoNamespace):
		ns, _, _ := strings.Cut(strings.TrimPrefix(name, "namespaces/"), "/")
		return notFound(models.NamespaceName(ns))
	case errors.Is(err, store.ErrEtagMismatch):
		return staleEtag(name)
	case errors.Is(err, store.ErrAlreadyExists):
		return alreadyExists(name)
	case errors.Is(err, store.ErrContention):
		return newError(http.StatusConflict, "%s is being changed by other requests at the same time; retry", name)
	}
	return err
}

// internalError is what a client sees of a failure of ours: nothing.
var internalError = &Error{Code: http.StatusInternalServerError, Status: "INTERNAL", Message: "internal error"}

// unavailableError is the answer while Redis cannot be reached: the
// request did nothing, and the client should retry (after Retry-After).
var unavailableError = &Error{Code: http.StatusServiceUnavailable, Status: "UNAVAILABLE",
	Message: "the service is temporarily unavailable (its Redis does not answer); nothing was changed: retry later"}

// unavailableRetryAfter is the Retry-After of a 503, in seconds.
const unavailableRetryAfter = "5"

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		code, b = http.StatusInternalServerError, []byte(`{"error":{"code":500,"status":"INTERNAL","message":"internal error"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.Write(append(b, '\n'))
}

func writeError(w http.ResponseWriter, e *Error) {
	writeJSON(w, e.Code, struct {
		Error *Error `json:"error"`
	}{e})
}

// asAPIError returns err as an *Error, or nil when it is not one (a
// failure of ours).
func asAPIError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
