// Package stackexchange reads questions and answers for Earshot's
// STACKEXCHANGE managers through the Stack Exchange API 2.3:
// /search/advanced (sort=creation) on one site for the source's tags and
// query, and the answers of the questions found (/questions/{ids}/answers).
//
// Answers come gzip-compressed; HTML bodies become plain text. The API's
// backoff field (seconds before the same method may be called again),
// quota_remaining (a daily quota per key or address) and error_id 502
// (throttle_violation) hold back every process.
package stackexchange
