// Package pipeline runs the reads of sources: a manager's own, or one
// shared by every manager of a stream (Reads), polled on a schedule or,
// for a firehose, read continuously (RunStreams). Each post read is
// matched against all of the read's managers in one index pass, a Scan is
// stored per match and handed on to delivery, and only then does the
// read's cursor advance — so a failed read or a killed process reads the
// same posts again and loses none. Pushed posts (Ingest) take the same
// path without a read.
package pipeline
