// Package mastodon reads public statuses for Earshot's MASTODON managers:
// hashtag timelines (GET /api/v1/timelines/tag/:tag) of any instance and,
// with an access token for the instance, status search
// (GET /api/v2/search?type=statuses).
//
// The instance is given by users, so every call goes through the SSRF
// guard of webhook deliveries, and an access token is only ever sent to
// the instance it is configured for. Boosts are read as the status they
// boost, once; HTML content becomes plain text, spoiler_text the title.
// Each hashtag and the query keep a time window (sources/internal/window)
// with an overlap for statuses that federate late; pages are followed
// through the Link header. X-RateLimit-* headers (300 requests per 5
// minutes) and 429 answers hold back every process reading the instance.
package mastodon
