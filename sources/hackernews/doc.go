// Package hackernews reads new Hacker News stories and comments for
// Earshot's HACKERNEWS managers, through the Algolia HN Search API
// (GET /search_by_date), which needs no credentials.
//
// A manager's source.query is searched as it is; without one, each of
// input.keywords is a query of its own (the API has no OR), and the
// matcher decides on the union. source.include chooses stories ("posts"),
// comments, or, by default, both.
//
// Poll is cursor-driven and free of side effects: for each query the
// opaque cursor keeps a time window (numericFilters=created_at_i>=…) that
// reaches back an overlap below the newest item returned, because items
// reach the search index some time after they are posted, with the ids
// returned since as a seen-set; a poll that runs out of pages leaves a gap
// the next polls read first. 429 answers are recorded in a shared
// sources.RateState so that every process holds back.
package hackernews
