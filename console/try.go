package console

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"

	"github.com/earshothq/earshot/catalog"
	"github.com/earshothq/earshot/matcher"
	"github.com/earshothq/earshot/models"
)

// TryFunc evaluates posts against a manager without storing anything.
type TryFunc func(ctx context.Context, m *models.Manager, posts []models.Post) ([]matcher.Explanation, error)

// NewTry returns the "try it" of `earshot match`: a fresh offline matcher
// for each call (crisis counters start from nothing), fetching input.urls
// pages with siteClient, which should refuse private addresses.
func NewTry(siteClient *http.Client, log *slog.Logger) TryFunc {
	return func(ctx context.Context, m *models.Manager, posts []models.Post) ([]matcher.Explanation, error) {
		mm := matcher.New(matcher.Options{SiteClient: siteClient, HTTPClient: siteClient, Logger: log})
		out := make([]matcher.Explanation, 0, len(posts))
		for i := range posts {
			e, err := mm.Explain(ctx, m, &posts[i])
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
		return out, nil
	}
}

type refuse struct{}

func (refuse) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("console: try-it fetches no pages")
}

var offlineTry = NewTry(&http.Client{Transport: refuse{}}, slog.New(slog.DiscardHandler))

// Limits of "try it".
const (
	maxTryBody  = 1 << 20
	maxTryPosts = 200
)

type tryRequest struct {
	Manager json.RawMessage `json:"manager"`
	// Posts are JSON lines in the webhook's post shape, or plain lines of
	// text, each a post.
	Posts string `json:"posts"`
}

type tryResult struct {
	matcher.Explanation
	Text string `json:"text"`
}

// tryIt runs the form's manager, saved or not, over pasted posts.
func (c *Console) tryIt(w http.ResponseWriter, r *http.Request, s *session) error {
	ns := r.PathValue("ns")
	// The key must be allowed to use the namespace.
	if err := c.call(r.Context(), s, "GET", "/v1/namespaces/"+ns, nil, nil); err != nil {
		return jsonFail(w, err)
	}
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxTryBody))
	if err != nil {
		writeJSONError(w, http.StatusRequestEntityTooLarge, "INVALID_ARGUMENT", "at most 1 MiB of posts")
		return nil
	}
	var req tryRequest
	if err := json.Unmarshal(b, &req); err != nil {
		writeJSONError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "malformed request")
		return nil
	}
	m := models.DefaultManager()
	if err := json.Unmarshal(req.Manager, &m); err != nil {
		writeJSONError(w, http.StatusBadRequest, "INVALID_ARGUMENT", "the form does not make a monitor: "+err.Error())
		return nil
	}
	m.Status = nil
	m.ApplyDefaults()
	var errs []models.FieldError
	for _, e := range catalog.ValidateManager(&m, nil) {
		if !strings.HasPrefix(e.Field, "notices") { // whom it tells does not change what matches
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": 400, "status": "INVALID_ARGUMENT", "message": "the monitor is not valid", "details": errs}})
		return nil
	}
	posts, perr := parseTryPosts(req.Posts)
	if perr != "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{
			"code": 400, "status": "INVALID_ARGUMENT", "message": perr,
			"details": []models.FieldError{{Field: "posts", Description: perr}}}})
		return nil
	}
	ex, err := c.try(r.Context(), &m, posts)
	if err != nil {
		writeJSONError(w, http.StatusBadRequest, "INVALID_ARGUMENT", err.Error())
		return nil
	}
	out := make([]tryResult, len(ex))
	for i, e := range ex {
		out[i] = tryResult{Explanation: e, Text: excerpt(posts[i].Title+" "+posts[i].Text, 160)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
	return nil
}

// parseTryPosts reads the pasted posts: a line that is a JSON object is a
// post in the webhook's shape, any other non-blank line a post of that
// text.
func parseTryPosts(text string) ([]models.Post, string) {
	var posts []models.Post
	for i, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if len(posts) == maxTryPosts {
			return nil, fmt.Sprintf("at most %d posts at a time", maxTryPosts)
		}
		if strings.HasPrefix(line, "{") {
			var p models.Post
			dec := json.NewDecoder(bytes.NewReader([]byte(line)))
			if err := dec.Decode(&p); err != nil {
				return nil, fmt.Sprintf("line %d is not a post: %v", i+1, err)
			}
			if p.ID == "" {
				p.ID = fmt.Sprintf("line %d", i+1)
			}
			posts = append(posts, p)
			continue
		}
		posts = append(posts, models.Post{Type: "TEXT", ID: fmt.Sprintf("line %d", i+1), Text: line})
	}
	if len(posts) == 0 {
		return nil, "paste at least one post: a line of text, or a post as a JSON line"
	}
	return posts, ""
}

// jsonFail answers an API error of a JSON call.
func jsonFail(w http.ResponseWriter, err error) error {
	var ae *apiError
	if errors.As(err, &ae) {
		writeJSON(w, ae.Code, map[string]any{"error": ae})
		return nil
	}
	return err
}
