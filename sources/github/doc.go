// Package github reads GitHub issues, pull requests and issue comments
// for Earshot's GITHUB managers: the search API (GET /search/issues,
// sort=created) for the source's query or the input's keywords, narrowed
// to source.repos when given, and the issue comments of source.repos
// (GET /repos/{owner}/{repo}/issues/comments).
//
// Each search and each repository's comments keep a time window
// (sources/internal/window); a search is bounded by a created: qualifier.
// The primary limits (x-ratelimit-*, 30 searches a minute with a token)
// and the secondary limits (403 or 429 with retry-after) hold back every
// process sharing the token, per resource (search, core).
package github
