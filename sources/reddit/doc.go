// Package reddit reads new Reddit posts and comments for Earshot's REDDIT
// managers.
//
// A manager's source names subreddits, a search query, or both: subreddits
// alone are read from their /new listing, a query through Reddit's search
// sorted by new (restricted to the subreddits when some are given).
// source.include chooses posts (the default), comments or both. Comments
// (REDDIT_COMMENT, with their link as the parent) come from the subreddits'
// /comments listing, which the query does not narrow; Reddit's search finds
// no comments, so comments need subreddits. With a client id and secret the
// Source speaks the OAuth API (application-only client_credentials, or the
// password grant of a script app); without them it reads the public JSON
// API.
//
// Poll is cursor-driven and free of side effects: the opaque cursor it
// returns records, for posts and comments each, the newest item read and a
// bounded set of recently returned fullnames, and a fingerprint of the
// manager's source; the caller stores it only once the posts are handed on.
// A poll that fails on either listing fails whole. Reddit's rate-limit
// headers and 429 answers are recorded in a shared sources.RateState so that
// every process using the same credentials holds back together.
//
// Its calls, errors and overlap window are those every source shares
// (sources/internal/fetch and sources/internal/window): a failed call is a
// *fetch.RequestError wrapping fetch.ErrServer, ErrAuth, ErrStatus,
// ErrMalformed or ErrTooLarge, the same values twitter.ErrServer and the
// other adapters' names stand for.
package reddit
