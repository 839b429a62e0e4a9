// Package youtube reads videos and comments for Earshot's YOUTUBE
// managers through the YouTube Data API v3: search.list (order=date,
// publishedAfter) for the source's query or the input's keywords,
// optionally per channel, and commentThreads.list for the comments of the
// videos found and of the source's channels.
//
// The API's limit is a daily quota of units (search.list costs 100,
// commentThreads.list 1) that resets at midnight Pacific time. Every
// process spends it from one count in Redis (sources.Counter), spread
// over the day: by any hour, no more than that hour's share (plus an
// hour's worth) is used, so an early burst cannot starve the evening. A
// 403 quotaExceeded holds every process back until the reset; a read
// the quota cannot pay for now waits, and is reported as a rate limit,
// not a failure.
package youtube
