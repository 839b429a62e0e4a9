package facebook

import (
	"errors"
	"fmt"

	"github.com/earshothq/earshot/sources/internal/fetch"
)

// Errors of a poll, always wrapped in a *RequestError naming the call:
//
//	facebook: GET /acmeinc/feed: authentication failed: (#190) Error validating access token: Session has expired [OAuthException, subcode 463, fbtrace_id AbC]
var (
	ErrMalformed = fetch.ErrMalformed
	ErrTooLarge  = fetch.ErrTooLarge
	ErrAuth      = fetch.ErrAuth
	ErrServer    = fetch.ErrServer
	ErrStatus    = fetch.ErrStatus
	// ErrPermission: the token may not read the page (codes 10, 200–299):
	// it lacks pages_read_engagement or Page Public Content Access.
	ErrPermission = errors.New("permission denied")
)

// RequestError is a failed call to the Graph API. Its Path never holds
// the query string, so never the token.
type RequestError = fetch.RequestError

// GraphError is the error object of a Graph API answer,
// {"error": {"message", "type", "code", "error_subcode", "fbtrace_id"}}.
// Its message has every credential replaced by <secret>.
type GraphError struct {
	Message   string `json:"message"`
	Type      string `json:"type"`
	Code      int    `json:"code"`
	Subcode   int    `json:"error_subcode"`
	Transient bool   `json:"is_transient"`
	FBTraceID string `json:"fbtrace_id"`
	// kind is the sentinel the code maps to.
	kind error
}

func (e *GraphError) Error() string {
	s := fmt.Sprintf("(#%d) %s [%s", e.Code, e.Message, e.Type)
	if e.Subcode != 0 {
		s += fmt.Sprintf(", subcode %d", e.Subcode)
	}
	if e.FBTraceID != "" {
		s += ", fbtrace_id " + e.FBTraceID
	}
	s += "]"
	if e.kind != nil {
		s = e.kind.Error() + ": " + s
	}
	return s
}

// Unwrap gives the kind (ErrAuth, ErrPermission, ErrServer, ErrStatus).
func (e *GraphError) Unwrap() error { return e.kind }

// throttled reports whether the code is one of the Graph API's rate
// limits: application (4), user (17), page (32), a custom limit (613), and
// the business use case limits (80001–80014).
func throttled(code int) bool {
	switch {
	case code == 4, code == 17, code == 32, code == 613:
		return true
	case code >= 80001 && code <= 80014:
		return true
	}
	return false
}

// classify sets the error's kind from its code and the HTTP status.
func (e *GraphError) classify(status int) {
	switch {
	case e.Code == 190 || e.Code == 102 || e.Code == 463 || e.Code == 467:
		e.kind = ErrAuth
	case e.Code == 10 || e.Code >= 200 && e.Code <= 299:
		e.kind = ErrPermission
	case e.Code == 1 || e.Code == 2 || e.Transient || status >= 500:
		e.kind = ErrServer
	default:
		e.kind = ErrStatus
	}
}
