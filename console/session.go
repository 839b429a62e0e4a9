package console

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/earshothq/earshot/store"
)

// Sessions are kept in Redis under the digest of their id, so that a
// reader of Redis cannot take them over; they hold the digest of the API
// key they were made with, never the key.
func keySession(id string) string {
	sum := sha256.Sum256([]byte(id))
	return store.Prefix + "console:session:" + hex.EncodeToString(sum[:])
}

// Cookie names.
const (
	sessionCookie = "earshot_session"
	// loginCookie carries the sign-in form's CSRF token (double submit),
	// before there is a session to keep it in.
	loginCookie = "earshot_login"
)

// session is one signed-in browser.
type session struct {
	KeyHash   string    `json:"keyHash"`
	KeyID     string    `json:"keyId"`
	Namespace string    `json:"namespace,omitempty"` // "" for an admin key
	Admin     bool      `json:"admin,omitempty"`
	CSRF      string    `json:"csrf"`
	Expires   time.Time `json:"expires"`
}

func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// errNoSession: the request has no valid session.
var errNoSession = errors.New("console: not signed in")

// newSession stores a session for key k and returns its id.
func (c *Console) newSession(ctx context.Context, k *store.APIKey) (string, *session, error) {
	id := randomToken()
	s := &session{KeyHash: k.Hash, KeyID: k.ID, Namespace: k.Namespace, Admin: k.Admin, CSRF: randomToken(),
		Expires: c.now().Add(c.ttl).UTC()}
	b, _ := json.Marshal(s)
	if err := c.rdb.Set(ctx, keySession(id), b, c.ttl).Err(); err != nil {
		return "", nil, fmt.Errorf("console: store session: %w", err)
	}
	return id, s, nil
}

// sessionOf returns the request's session: its cookie names a stored
// session whose key still exists. A session whose key was revoked is
// deleted.
func (c *Console) sessionOf(r *http.Request) (*session, error) {
	ck, err := r.Cookie(sessionCookie)
	if err != nil || ck.Value == "" || len(ck.Value) > 100 {
		return nil, errNoSession
	}
	ctx := r.Context()
	b, err := c.rdb.Get(ctx, keySession(ck.Value)).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, errNoSession
	}
	if err != nil {
		return nil, fmt.Errorf("console: read session: %w", err)
	}
	var s session
	if err := json.Unmarshal(b, &s); err != nil || c.now().After(s.Expires) {
		return nil, errNoSession
	}
	if _, err := c.store.LookupAPIKey(ctx, s.KeyHash); errors.Is(err, store.ErrNotFound) {
		_ = c.rdb.Del(ctx, keySession(ck.Value)).Err()
		c.log.Info("console: session ended: its API key was revoked", "key_id", s.KeyID)
		return nil, errNoSession
	} else if err != nil {
		return nil, err
	}
	return &s, nil
}

// endSession deletes the request's session.
func (c *Console) endSession(r *http.Request) error {
	ck, err := r.Cookie(sessionCookie)
	if err != nil {
		return nil
	}
	if err := c.rdb.Del(r.Context(), keySession(ck.Value)).Err(); err != nil {
		return fmt.Errorf("console: delete session: %w", err)
	}
	return nil
}

// cookie returns a cookie of the console: HttpOnly, SameSite=Strict, and
// Secure on TLS or when configured.
func (c *Console) cookie(r *http.Request, name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: name, Value: value, Path: "/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: c.secure || r.TLS != nil,
	}
}
