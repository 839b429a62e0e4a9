// Package facebook reads new posts of Facebook Pages for Earshot's
// FACEBOOK managers, through the Graph API's Page feed
// (GET /{page}/feed), with the configured access token and, when an app
// secret is configured, appsecret_proof.
//
// Poll is cursor-driven and free of side effects: for each page of
// source.pages, the opaque cursor keeps a time window (since=…) that
// reaches back an overlap below the newest post returned, with the ids
// returned since as a seen-set; paging.next is followed back to it while
// the page budget lasts, and a poll that runs out of pages leaves a gap
// (until=…) the next polls read first. The access token travels in the
// query string, so paging.next URLs are never requested as they are:
// only their paging parameters are taken, and no URL, token or proof ever
// reaches an error or a log. Throttling errors (codes 4, 17, 32, 613 and
// the 800xx business use case limits) and usage headers near 100 % are
// recorded in a shared sources.RateState, so every process using the same
// token holds back.
package facebook
