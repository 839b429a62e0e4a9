// Package pipeline runs one poll of one manager: read new posts from its
// source, match each against the manager, store a Scan per match, hand every
// Scan on to delivery, and only then advance the source's cursor — so a
// failed poll or a killed process reads the same posts again and loses none.
package pipeline
