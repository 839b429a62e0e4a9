// Package twitter reads new posts from X (Twitter) for Earshot's TWITTER
// managers, through the X API v2 recent search
// (GET /2/tweets/search/recent) with an app-only bearer token.
//
// A manager's source.query is sent as the X search query; without one, a
// query is built from input.keywords (each one bare or as a quoted phrase,
// OR'ed, minus input.excludes, minus retweets). Recent search reaches back
// seven days at most, so a backfill is cut to that.
//
// Poll is cursor-driven and free of side effects. The opaque cursor keeps a
// since_id anchor a little (overlap) below the newest post returned, so
// posts that reach the search index late are still found, with the ids
// returned above it as a seen-set; a poll that runs out of its page budget
// leaves a since_id/until_id gap that the next polls read first. The
// x-rate-limit-* headers and 429 answers are recorded in a shared
// sources.RateState, so every process using the same token holds back
// until the window resets.
package twitter
