package hackernews

import "github.com/earshothq/earshot/sources/internal/fetch"

// Errors of a poll, always wrapped in a *RequestError naming the call:
//
//	hackernews: GET /search_by_date: malformed response: unexpected end of JSON input
var (
	ErrMalformed = fetch.ErrMalformed
	ErrTooLarge  = fetch.ErrTooLarge
	ErrServer    = fetch.ErrServer
	ErrStatus    = fetch.ErrStatus
)

// RequestError is a failed call to the HN Search API. Its Path never holds
// the query string.
type RequestError = fetch.RequestError
