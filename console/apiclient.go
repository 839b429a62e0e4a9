package console

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/earshothq/earshot/api"
	"github.com/earshothq/earshot/models"
)

// apiError is an error answer of the API.
type apiError struct {
	Code    int                 `json:"code"`
	Status  string              `json:"status"`
	Message string              `json:"message"`
	Details []models.FieldError `json:"details,omitempty"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.Code, e.Status, e.Message) }

// recorder is the response of an in-process API call.
type recorder struct {
	header http.Header
	code   int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }
func (r *recorder) WriteHeader(code int) {
	if r.code == 0 {
		r.code = code
	}
}
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = http.StatusOK
	}
	return r.body.Write(b)
}

// call makes an API request as the session's key and decodes its answer
// into out; an error answer is an *apiError.
func (c *Console) call(ctx context.Context, s *session, method, path string, body, out any) error {
	var rd *bytes.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return fmt.Errorf("console: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, err := http.NewRequestWithContext(api.WithKeyHash(ctx, s.KeyHash), method, path, rd)
	if err != nil {
		return fmt.Errorf("console: build request: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := &recorder{header: http.Header{}}
	c.api.ServeHTTP(rec, req)
	if rec.code >= 300 {
		var e struct {
			Error *apiError `json:"error"`
		}
		if err := json.Unmarshal(rec.body.Bytes(), &e); err != nil || e.Error == nil {
			return &apiError{Code: rec.code, Status: http.StatusText(rec.code), Message: strings.TrimSpace(rec.body.String())}
		}
		return e.Error
	}
	if out == nil {
		return nil
	}
	if err := json.Unmarshal(rec.body.Bytes(), out); err != nil {
		return fmt.Errorf("console: decode %s %s: %w", method, path, err)
	}
	return nil
}

// proxy serves /app/v1/… as the API's /v1/…, as the session's key: the
// script's writes.
func (c *Console) proxy(w http.ResponseWriter, r *http.Request, s *session) {
	r2 := r.Clone(api.WithKeyHash(r.Context(), s.KeyHash))
	r2.URL.Path = strings.TrimPrefix(r.URL.Path, "/app")
	r2.URL.RawPath = ""
	r2.RequestURI = ""
	r2.Header.Del("Authorization")
	r2.Header.Del("Cookie")
	c.api.ServeHTTP(w, r2)
}
