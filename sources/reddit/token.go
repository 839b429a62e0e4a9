package reddit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"
	"unicode"

	"github.com/earshothq/earshot/sources/internal/fetch"
)

const (
	// tokenMargin: a token is renewed this long before Reddit says it
	// expires, so no request carries one that expires in flight.
	tokenMargin = 60 * time.Second
	// defaultTokenLife is assumed when the token answer gives no expires_in.
	defaultTokenLife = time.Hour
)

// tokenCache holds the OAuth access token shared by all polls.
type tokenCache struct {
	// lock is a one-slot semaphore used as a mutex that a caller whose
	// context ends can stop waiting for; it also makes concurrent polls
	// share one token request.
	lock   chan struct{}
	token  string
	expiry time.Time
}

func (c *tokenCache) init() { c.lock = make(chan struct{}, 1) }

// tokenResponse is the token endpoint's answer. Error is a string
// ("invalid_grant") in OAuth errors but a number in Reddit's 401 body
// ({"message": "Unauthorized", "error": 401}).
type tokenResponse struct {
	AccessToken string          `json:"access_token"`
	TokenType   string          `json:"token_type"`
	ExpiresIn   float64         `json:"expires_in"`
	Scope       string          `json:"scope"`
	Error       json.RawMessage `json:"error"`
}

// token returns a valid access token, fetching one when none is cached or
// the cached one is about to expire.
func (s *Source) token(ctx context.Context, log *slog.Logger) (string, error) {
	select {
	case s.tokens.lock <- struct{}{}:
	case <-ctx.Done():
		return "", fmt.Errorf("reddit: waiting for an access token: %w", context.Cause(ctx))
	}
	defer func() { <-s.tokens.lock }()

	if s.tokens.token != "" && s.api.Now().Before(s.tokens.expiry) {
		return s.tokens.token, nil
	}
	tok, life, err := s.fetchToken(ctx, log)
	if err != nil {
		return "", err
	}
	margin := min(tokenMargin, life/2)
	s.tokens.token, s.tokens.expiry = tok, s.api.Now().Add(life-margin)
	return tok, nil
}

// dropToken forgets tok after the API refused it, unless another poll has
// already replaced it.
func (s *Source) dropToken(ctx context.Context, tok string) {
	select {
	case s.tokens.lock <- struct{}{}:
	case <-ctx.Done():
		return // the retry fails on ctx too
	}
	defer func() { <-s.tokens.lock }()
	if s.tokens.token == tok {
		s.tokens.token, s.tokens.expiry = "", time.Time{}
	}
}

// fetchToken asks the token endpoint for an application-only token
// (client_credentials) or, with a username and password, a script app's
// user token (password grant). Errors never include a credential.
func (s *Source) fetchToken(ctx context.Context, log *slog.Logger) (string, time.Duration, error) {
	path := "/api/v1/access_token"
	if u, err := url.Parse(s.cfg.TokenURL); err == nil {
		path = u.Path
	}
	form := map[string]string{"grant_type": "client_credentials"}
	if s.cfg.Username != "" && s.cfg.Password != "" {
		form = map[string]string{
			"grant_type": "password",
			"username":   s.cfg.Username,
			"password":   s.cfg.Password,
		}
	}
	resp, err := s.api.HTTP.R().
		SetContext(ctx).
		SetBasicAuth(s.cfg.ClientID, s.cfg.ClientSecret).
		SetFormData(form).
		Post(s.cfg.TokenURL)
	if err != nil {
		return "", 0, s.api.TransportError(ctx, log, http.MethodPost, path, err)
	}
	code := resp.StatusCode()
	if code == http.StatusTooManyRequests || code >= 500 {
		return "", 0, s.statusError(ctx, log, http.MethodPost, path, resp)
	}

	var tr tokenResponse
	decodeErr := json.Unmarshal(resp.Body(), &tr)
	fail := func(format string, args ...any) (string, time.Duration, error) {
		err := fmt.Errorf("%w: "+format, append([]any{fetch.ErrAuth}, args...)...)
		return "", 0, s.api.Error(http.MethodPost, path, code, err)
	}
	switch {
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return fail("%s (check client_id and client_secret)", resp.Status())
	case len(tr.Error) > 0 && string(tr.Error) != "null":
		hint := ""
		if form["grant_type"] == "password" && oauthError(tr.Error) == "invalid_grant" {
			hint = " (check username and password; accounts with two-factor authentication cannot use the password grant)"
		}
		return fail("%s%s", oauthError(tr.Error), hint)
	case code != http.StatusOK:
		return fail("%s", resp.Status())
	case decodeErr != nil:
		return fail("%v: %v", fetch.ErrMalformed, decodeErr)
	case tr.AccessToken == "":
		return fail("no access_token in the answer")
	}
	life := time.Duration(tr.ExpiresIn * float64(time.Second))
	if life <= 0 {
		life = defaultTokenLife
	}
	log.Debug("access token obtained", "grant_type", form["grant_type"], "expires_in", life)
	return tr.AccessToken, life, nil
}

// oauthError renders the token endpoint's "error" value for a message: a
// short printable code, nothing else from the body.
func oauthError(raw json.RawMessage) string {
	var code string
	if json.Unmarshal(raw, &code) != nil {
		if n, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return "error " + strconv.FormatFloat(n, 'f', -1, 64)
		}
		return "unreadable error"
	}
	r := []rune(code)
	if len(r) > 64 {
		r = r[:64]
	}
	for i, c := range r {
		if !unicode.IsPrint(c) {
			r[i] = '?'
		}
	}
	return string(r)
}
