// Package cursors reads and writes the cursors the platform adapters
// store between polls, the same way for all of them: a cursor carries its
// version in "v", and one that cannot be read starts the manager over with
// a backfill instead of failing every poll for good.
package cursors

import (
	"encoding/json"
	"fmt"
	"log/slog"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Decode returns the cursor stored in raw and true; the zero C and false
// when nothing is stored, and when what is stored does not decode or was
// written for another version than version (logged at Warn: the manager
// starts over with a backfill).
func Decode[C any](log *slog.Logger, source string, raw json.RawMessage, version int) (C, bool) {
	var zero C
	if len(raw) == 0 || string(raw) == "null" {
		return zero, false
	}
	var v struct {
		Version int `json:"v"`
	}
	err := json.Unmarshal(raw, &v)
	var c C
	if err == nil && v.Version == version {
		if err = json.Unmarshal(raw, &c); err == nil {
			return c, true
		}
	}
	log.Warn(source+": unreadable cursor; starting over with a backfill", "error", err, "version", v.Version)
	return zero, false
}

// Result is what a poll returns: posts, and next encoded as the cursor to
// store once they are handed on.
func Result(source string, posts []models.Post, next any) (sources.Result, error) {
	c, err := json.Marshal(next)
	if err != nil {
		return sources.Result{}, fmt.Errorf("%s: encoding cursor: %w", source, err)
	}
	return sources.Result{Posts: posts, Cursor: c}, nil
}
