// Package rss reads RSS 0.9x/2.0, Atom and JSON Feed documents for
// Earshot's RSS managers, through github.com/mmcdole/gofeed.
//
// Feed URLs are given by users, so every fetch goes through the SSRF
// guard of webhook deliveries (sources.allow_private_targets lifts it).
// Fetches are conditional (ETag, Last-Modified): a 304 returns nothing and
// leaves the cursor as it was. Each feed's cursor is a seen-set of item
// ids (the guid, else the link, else a hash of title and date) with the
// time each was first seen; an item without a usable date is dated when
// first seen.
package rss
