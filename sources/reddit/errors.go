package reddit

import "github.com/earshothq/earshot/sources/internal/fetch"

// Errors of a poll, the same as every source's, always wrapped in a
// *RequestError naming the call that failed, so errors.Is tells the kind
// and the message tells the endpoint:
//
//	reddit: GET /r/marketing/new: malformed response: unexpected end of JSON input
//
// ErrAuth is also what the token endpoint's refusal of the credentials, or
// the API's refusal of a fresh token, is; ErrStatus covers 403 (private
// subreddit), 404 and the redirect Reddit answers an unknown subreddit with.
var (
	ErrMalformed = fetch.ErrMalformed
	ErrTooLarge  = fetch.ErrTooLarge
	ErrAuth      = fetch.ErrAuth
	ErrServer    = fetch.ErrServer
	ErrStatus    = fetch.ErrStatus
)

// RequestError is a failed call to Reddit. Its Path never holds a query
// string, a credential or a token.
type RequestError = fetch.RequestError
