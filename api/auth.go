package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/earshothq/earshot/store"
)

// authorize finds the request's API key and checks it may call an
// operation of access acc on c.ns.
//
// A namespace key used on another namespace gets the same 403 whether that
// namespace exists or not, so keys cannot probe for other teams'
// namespaces; the existence check comes after this one.
func (a *API) authorize(r *http.Request, acc access, c *call) error {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return newError(http.StatusUnauthorized, "missing API key: send the header Authorization: Bearer <key>")
	}
	scheme, key, ok := strings.Cut(raw, " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return newError(http.StatusUnauthorized, "malformed Authorization header: want Bearer <key>")
	}
	k, err := a.store.LookupAPIKey(r.Context(), store.HashAPIKey(key))
	if errors.Is(err, store.ErrNotFound) {
		return newError(http.StatusUnauthorized, "invalid API key")
	}
	if err != nil {
		return err
	}
	c.key = k
	if k.Admin {
		return nil
	}
	switch {
	case acc == namespaceKey && c.ns != "" && k.Namespace == c.ns:
		return nil
	case acc == adminOnly:
		return newError(http.StatusForbidden, "this method needs an admin API key")
	default:
		return newError(http.StatusForbidden, "this API key may not use namespaces/%s", c.ns)
	}
}
