package api

import (
	"context"
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
	hash, ok := r.Context().Value(keyHashKey{}).(string)
	if !ok {
		var err error
		if hash, err = bearerKeyHash(r); err != nil {
			return err
		}
	}
	k, err := a.store.LookupAPIKey(r.Context(), hash)
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

// keyHashKey is the context key of WithKeyHash.
type keyHashKey struct{}

// WithKeyHash returns a context whose requests the API authenticates as
// the API key with this digest (store.HashAPIKey), instead of by their
// Authorization header. It is for in-process callers that authenticated
// the key themselves, the console's sessions: they keep the digest, never
// the key. The key is still looked up at every request, so revoking it
// ends the sessions made with it.
func WithKeyHash(ctx context.Context, hash string) context.Context {
	return context.WithValue(ctx, keyHashKey{}, hash)
}

// bearerKeyHash reads the Authorization header's key and returns its digest.
func bearerKeyHash(r *http.Request) (string, error) {
	raw := r.Header.Get("Authorization")
	if raw == "" {
		return "", newError(http.StatusUnauthorized, "missing API key: send the header Authorization: Bearer <key>")
	}
	scheme, key, ok := strings.Cut(raw, " ")
	key = strings.TrimSpace(key)
	if !ok || !strings.EqualFold(scheme, "Bearer") || key == "" {
		return "", newError(http.StatusUnauthorized, "malformed Authorization header: want Bearer <key>")
	}
	return store.HashAPIKey(key), nil
}
