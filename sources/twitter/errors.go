package twitter

import "github.com/earshothq/earshot/sources/internal/fetch"

// Errors of a poll, always wrapped in a *RequestError naming the call:
//
//	twitter: GET /2/tweets/search/recent: authentication failed: 401 Unauthorized: Unauthorized (check sources.twitter.bearer_token)
var (
	ErrMalformed = fetch.ErrMalformed
	ErrTooLarge  = fetch.ErrTooLarge
	ErrAuth      = fetch.ErrAuth
	ErrServer    = fetch.ErrServer
	ErrStatus    = fetch.ErrStatus
)

// RequestError is a failed call to the X API. Its Path never holds the
// query string or the token.
type RequestError = fetch.RequestError
