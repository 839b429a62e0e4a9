// Package ingest is the source kind of posts pushed to Earshot
// (POST …/managers/{m}/posts:ingest) instead of read from a platform.
package ingest

import (
	"context"
	"encoding/json"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources"
)

// Type is the `source.type` of managers whose posts are pushed.
const Type = "INGEST"

// Kind declares pushed posts to Earshot. Its managers are never polled; a
// poll of one (`earshot poll`) reads nothing and leaves its cursor alone.
var Kind = sources.NewKind(sources.Spec[struct{}, struct{}]{
	Type:   Type,
	Doc:    "Posts pushed through POST …/managers/{manager}/posts:ingest, of any post type.",
	Pushed: true,
	New: func(struct{}, sources.Env) sources.Source {
		return sources.Func(func(context.Context, *models.Manager, json.RawMessage) (sources.Result, error) {
			return sources.Result{}, nil
		})
	},
})
