package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
)

// MaxIngestPosts bounds the posts of one ingest request.
const MaxIngestPosts = 1000

// IngestResult is what the pipeline did with a pushed batch.
type IngestResult struct {
	// Managers is the number of enabled INGEST managers the posts were
	// matched against.
	Managers int
	// Matched counts the (post, manager) pairs that matched.
	Matched int
	// New counts the Scans created (a post already scanned is not again).
	New int
}

// IngestFunc matches posts pushed to a namespace against its INGEST
// managers and hands the matches on to delivery, as a poll does
// (pipeline.Poller.Ingest).
type IngestFunc func(ctx context.Context, ns string, posts []models.Post) (IngestResult, error)

// ingestResponse is the answer of posts:ingest.
type ingestResponse struct {
	AcceptedCount int `json:"acceptedCount"`
	ManagerCount  int `json:"managerCount"`
	MatchCount    int `json:"matchCount"`
	ScanCount     int `json:"scanCount"`
}

func (a *API) ingestRoutes(rt *router) {
	rt.handle("POST", "/v1/namespaces/{ns}/posts:ingest", namespaceKey, a.ingestPosts)
}

// ingestPosts takes a JSON array of posts in the webhook's post shape and
// has the namespace's INGEST managers match them like polled posts. The
// batch is validated whole first: one bad post refuses all of them, with
// every problem named by index and field ("[3].time").
func (a *API) ingestPosts(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := query(r); err != nil {
		return err
	}
	b, e := readBody(w, r, true)
	if e != nil {
		return e
	}
	if b == nil {
		return newError(http.StatusBadRequest, "request body is required: a JSON array of posts")
	}
	posts, e := decodePosts(b)
	if e != nil {
		return e
	}
	if a.opts.Ingest == nil {
		return errors.New("api: posts:ingest called, but no ingester is configured")
	}
	res, err := a.opts.Ingest(r.Context(), c.ns, posts)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, ingestResponse{
		AcceptedCount: len(posts),
		ManagerCount:  res.Managers,
		MatchCount:    res.Matched,
		ScanCount:     res.New,
	})
	return nil
}

// decodePosts reads and validates a batch: JSON shape first (unknown
// fields, wrong types, bad times), then each post's content.
func decodePosts(data []byte) ([]models.Post, *Error) {
	if e := checkSyntax(data); e != nil {
		return nil, e
	}
	trimmed := bytes.TrimSpace(data)
	if trimmed[0] != '[' {
		return nil, newError(http.StatusBadRequest, "request body must be a JSON array of posts, not %s", jsonKind(trimmed))
	}
	wk := &walker{body: &body{present: map[string]bool{}, null: map[string]bool{}}}
	wk.walk(trimmed, reflect.TypeFor[[]models.Post](), "")
	if len(wk.errs) > 0 {
		return nil, invalid(wk.errs...)
	}
	var posts []models.Post
	if err := json.Unmarshal(trimmed, &posts); err != nil {
		// The walk accepts only what unmarshals; a safety net.
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, invalidField(te.Field, "must be %s", models.JSONTypeName(te.Type))
		}
		return nil, newError(http.StatusBadRequest, "invalid request body")
	}
	switch {
	case len(posts) == 0:
		return nil, newError(http.StatusBadRequest, "the array holds no posts")
	case len(posts) > MaxIngestPosts:
		return nil, newError(http.StatusBadRequest, "the array holds %d posts; send at most %d at a time", len(posts), MaxIngestPosts)
	}
	var errs []models.FieldError
	first := map[string]int{}
	for i := range posts {
		errs = append(errs, validatePost("["+strconv.Itoa(i)+"]", &posts[i])...)
		if id := posts[i].ID; id != "" {
			if j, dup := first[id]; dup {
				errs = append(errs, models.FieldError{Field: "[" + strconv.Itoa(i) + "].id", Description: "repeats the id of [" + strconv.Itoa(j) + "]"})
			} else {
				first[id] = i
			}
		}
	}
	if len(errs) > 0 {
		return nil, invalid(errs...)
	}
	return posts, nil
}

// A post's time must be plausible: a year 0000 or 9999 sorts and expires
// Scans nonsensically. A day ahead allows for clocks that are off.
var minPostTime = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

const maxPostTimeAhead = 24 * time.Hour

// postType is an upper-case identifier: the platforms' own
// (REDDIT_LINK, TWITTER_TWEET, …) or one of the pusher's (RSS_ITEM).
var postType = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// validatePost reports what is wrong with one pushed post; path is its
// index ("[3]"). The webhook contract's strings may be "" when unknown,
// but a post needs a type, an id, a time and something to match.
func validatePost(path string, p *models.Post) []models.FieldError {
	var errs []models.FieldError
	add := func(field, desc string) {
		errs = append(errs, models.FieldError{Field: path + "." + field, Description: desc})
	}
	switch {
	case p.Type == "":
		add("type", "is required (REDDIT_LINK, TWITTER_TWEET, FACEBOOK_POST, … or a type of your own in upper case)")
	case !postType.MatchString(p.Type):
		add("type", "must be an upper-case identifier such as TWITTER_TWEET (letters, digits and '_', at most 64)")
	}
	switch {
	case strings.TrimSpace(p.ID) == "":
		add("id", "is required: the post's id on its platform")
	case len(p.ID) > 512 || strings.ContainsFunc(p.ID, func(r rune) bool { return r < ' ' || r == 0x7f }):
		add("id", "must be at most 512 bytes without control characters")
	}
	switch {
	case p.Time.IsZero():
		add("time", "is required: when the post was published (RFC 3339)")
	case p.Time.Before(minPostTime) || p.Time.After(time.Now().Add(maxPostTimeAhead)):
		add("time", fmt.Sprintf("must be between %s and a day from now", minPostTime.Format(time.RFC3339)))
	}
	if strings.TrimSpace(p.Title) == "" && strings.TrimSpace(p.Text) == "" {
		add("text", "is required when there is no title: a post without words matches nothing")
	}
	urls := [][2]string{{"url", p.URL}, {"user.url", p.User.URL}}
	if p.Subreddit != nil {
		urls = append(urls, [2]string{"subreddit.url", p.Subreddit.URL})
	}
	if p.Parent != nil {
		urls = append(urls, [2]string{"parent.url", p.Parent.URL})
	}
	for _, u := range urls {
		if msg := checkPostURL(u[1]); msg != "" {
			add(u[0], msg)
		}
	}
	return errs
}

// checkPostURL returns what is wrong with a URL of a post, "" when it is
// empty (unknown) or an absolute http(s) URL.
func checkPostURL(raw string) string {
	if raw == "" {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "must be an absolute http or https URL, or \"\" when unknown"
	}
	return ""
}

// ingestPaths describes posts:ingest in the OpenAPI document.
func ingestPaths(g *schemaGen, paths obj) {
	g.schema(reflect.TypeFor[models.Post]())
	paths["/v1/namespaces/{ns}/posts:ingest"] = obj{
		"parameters": []obj{paramNS},
		"post": op("IngestPosts",
			"Push posts (the webhook's post shape) to the namespace's managers whose source is INGEST; they match them like polled posts and deliver SCANs. "+
				"The whole batch is validated first and refused if any post is invalid (details name the index and field, e.g. [3].time). "+
				"Sending a batch again is safe: a post a manager already scanned is not delivered twice.",
			nil,
			jsonBody(obj{"type": "array", "minItems": 1, "maxItems": MaxIngestPosts, "items": obj{"allOf": []any{ref("Post"), obj{"required": []string{"type", "id", "time"}}}}}, true),
			responses(okResponse("What the batch did.", obj{"type": "object",
				"required": []string{"acceptedCount", "managerCount", "matchCount", "scanCount"},
				"properties": obj{
					"acceptedCount": obj{"type": "integer", "description": "Posts accepted: all of the batch."},
					"managerCount":  obj{"type": "integer", "description": "Enabled INGEST managers of the namespace."},
					"matchCount":    obj{"type": "integer", "description": "(post, manager) pairs that matched."},
					"scanCount":     obj{"type": "integer", "description": "Scans created; a post a manager had scanned before is not counted."},
				}}), "400", "403", "404", "413", "415")),
	}
}
