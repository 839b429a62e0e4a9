package reddit

import "errors"

// Sentinel errors, always wrapped in a *RequestError naming the call that
// failed, so errors.Is tells the kind and the message tells the endpoint:
//
//	reddit: GET /r/marketing/new: malformed response: unexpected end of JSON input
var (
	// ErrMalformed: the body is not JSON or not a Listing.
	ErrMalformed = errors.New("malformed response")
	// ErrTooLarge: the body exceeds the response size cap.
	ErrTooLarge = errors.New("response too large")
	// ErrAuth: the token endpoint refused the credentials, or the API kept
	// refusing a fresh token.
	ErrAuth = errors.New("authentication failed")
	// ErrServer: Reddit answered 5xx; worth retrying later.
	ErrServer = errors.New("server error")
	// ErrStatus: any other unexpected status (403 private subreddit, 404, …);
	// retrying will not help until the manager or Reddit changes.
	ErrStatus = errors.New("unexpected status")
)

// RequestError is a failed call to Reddit. Path is the URL path only: it
// never holds a query string, a credential or a token.
type RequestError struct {
	Method string
	Path   string
	// StatusCode is the HTTP status, 0 when no response was read.
	StatusCode int
	Err        error
}

func (e *RequestError) Error() string {
	return "reddit: " + e.Method + " " + e.Path + ": " + e.Err.Error()
}

func (e *RequestError) Unwrap() error { return e.Err }
