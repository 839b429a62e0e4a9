package api

import (
	"errors"
	"net/http"
	"slices"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

type listConnectionsResponse struct {
	Connections   []*models.Connection `json:"connections"`
	NextPageToken string               `json:"nextPageToken,omitempty"`
}

// vetConnection applies a connection's defaults and reports every problem.
func vetConnection(c *models.Connection, missing []models.FieldError) error {
	c.ApplyDefaults()
	if errs := merge(missing, catalog.ValidateConnection(c)); len(errs) > 0 {
		return invalid(errs...)
	}
	return nil
}

// takesURL says whether connections of the type are sent to a URL (a
// webhook, Slack, Discord), which is then required; an unknown type is
// reported by validation.
func takesURL(typ string) bool {
	if typ == "" {
		typ = models.ConnectionTypeHTTP
	}
	k := catalog.Channels.ForConnection(typ)
	return k == nil || slices.Contains(k.Fields, "url")
}

// required reports each path the body does not give.
func required(b body, paths ...string) []models.FieldError {
	var errs []models.FieldError
	for _, p := range paths {
		if !b.given(p) {
			errs = append(errs, models.FieldError{Field: p, Description: "is required"})
		}
	}
	return errs
}

// merge appends the validation errors to the missing-field ones, leaving
// out those of a field already reported missing.
func merge(missing, errs []models.FieldError) []models.FieldError {
	out := append([]models.FieldError(nil), missing...)
	for _, e := range errs {
		dup := false
		for _, m := range missing {
			dup = dup || m.Field == e.Field
		}
		if !dup {
			out = append(out, e)
		}
	}
	return out
}

func (a *API) createConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := query(r, "connectionId")
	if err != nil {
		return err
	}
	var conn models.Connection
	b, e := decodeBody(w, r, &conn, false)
	if e != nil {
		return e
	}
	id, generated, err := resourceID(q, "connectionId")
	if err != nil {
		return err
	}
	clearOutputOnly(&conn)
	var missing []models.FieldError
	if takesURL(conn.Type) {
		missing = required(b, "url")
	}
	if err := vetConnection(&conn, missing); err != nil {
		return err
	}
	for attempt := 0; ; attempt++ {
		conn.ID = id
		err = a.store.CreateConnection(r.Context(), c.ns, &conn)
		if errors.Is(err, store.ErrAlreadyExists) && generated && attempt < 3 {
			id = newID()
			continue
		}
		break
	}
	switch {
	case errors.Is(err, store.ErrAlreadyExists):
		return alreadyExists(models.ConnectionName(c.ns, id))
	case errors.Is(err, store.ErrNoNamespace):
		return notFound(models.NamespaceName(c.ns))
	case err != nil:
		return storeError(err, models.ConnectionName(c.ns, id))
	}
	setEtag(w, conn.Etag)
	writeJSON(w, http.StatusOK, &conn)
	return nil
}

func (a *API) getConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := query(r); err != nil {
		return err
	}
	id := r.PathValue("c")
	conn, err := a.store.GetConnection(r.Context(), c.ns, id)
	if errors.Is(err, store.ErrNotFound) {
		return notFound(models.ConnectionName(c.ns, id))
	}
	if err != nil {
		return err
	}
	setEtag(w, conn.Etag)
	writeJSON(w, http.StatusOK, conn)
	return nil
}

func (a *API) listConnections(w http.ResponseWriter, r *http.Request, c *call) error {
	q, err := query(r, "pageSize", "pageToken")
	if err != nil {
		return err
	}
	size, err := pageSize(q)
	if err != nil {
		return err
	}
	digest := queryDigest("connections", c.ns)
	tok, err := readPageToken(q, digest)
	if err != nil {
		return err
	}
	all, err := a.store.ListConnections(r.Context(), c.ns)
	if err != nil {
		return err
	}
	page, next := pageByID(all, func(c *models.Connection) string { return c.ID }, tok, size)
	writeJSON(w, http.StatusOK, listConnectionsResponse{Connections: page, NextPageToken: next})
	return nil
}

// pageByID returns the page of items (sorted by id) after the token's id,
// and the token of the next page ("" on the last).
func pageByID[T any](items []T, id func(T) string, tok pageToken, size int) ([]T, string) {
	page := make([]T, 0, min(size, len(items)))
	for _, it := range items {
		if tok.After != "" && id(it) <= tok.After {
			continue
		}
		if len(page) == size {
			return page, encodePageToken(pageToken{Query: tok.Query, After: id(page[len(page)-1])})
		}
		page = append(page, it)
	}
	return page, ""
}

func (a *API) updateConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	patch, paths, etag, err := readPatch(w, r, func(p *models.Connection) string { return p.Etag })
	if err != nil {
		return err
	}
	id := r.PathValue("c")
	name := models.ConnectionName(c.ns, id)
	conn, err := a.store.UpdateConnection(r.Context(), c.ns, id, etag, func(cur *models.Connection) error {
		applyMask(cur, patch, paths)
		return vetConnection(cur, nil)
	})
	if err != nil {
		return storeError(err, name)
	}
	setEtag(w, conn.Etag)
	writeJSON(w, http.StatusOK, conn)
	return nil
}

func (a *API) deleteConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	etag, err := readDelete(w, r)
	if err != nil {
		return err
	}
	id := r.PathValue("c")
	err = a.store.DeleteConnectionIf(r.Context(), c.ns, id, etag)
	var inUse *store.InUseError
	if errors.As(err, &inUse) {
		return inUseError(inUse)
	}
	if err != nil {
		return storeError(err, models.ConnectionName(c.ns, id))
	}
	writeJSON(w, http.StatusOK, empty{})
	return nil
}
