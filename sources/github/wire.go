package github

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/internal/fetch"
)

// searchResponse is GET /search/issues's answer.
type searchResponse struct {
	TotalCount        int      `json:"total_count"`
	IncompleteResults bool     `json:"incomplete_results"`
	Items             *[]issue `json:"items"`
}

type issue struct {
	ID          int64     `json:"id"`
	Number      int       `json:"number"`
	Title       string    `json:"title"`
	Body        *string   `json:"body"`
	HTMLURL     string    `json:"html_url"`
	User        *user     `json:"user"`
	CreatedAt   time.Time `json:"created_at"`
	PullRequest *struct {
		HTMLURL string `json:"html_url"`
	} `json:"pull_request"`
}

type comment struct {
	ID        int64     `json:"id"`
	HTMLURL   string    `json:"html_url"`
	IssueURL  string    `json:"issue_url"`
	Body      *string   `json:"body"`
	User      *user     `json:"user"`
	CreatedAt time.Time `json:"created_at"`
}

type user struct {
	Login   string `json:"login"`
	ID      int64  `json:"id"`
	HTMLURL string `json:"html_url"`
}

// apiError is the body of a refusal.
type apiError struct {
	Message string `json:"message"`
}

func decodeSearch(body []byte) (searchResponse, error) {
	var r searchResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
	}
	if r.Items == nil {
		return r, fmt.Errorf("%w: no items array", fetch.ErrMalformed)
	}
	for i, it := range *r.Items {
		if it.ID == 0 || it.HTMLURL == "" || it.CreatedAt.IsZero() {
			return r, fmt.Errorf("%w: items[%d] has no id, html_url or created_at", fetch.ErrMalformed, i)
		}
	}
	return r, nil
}

func decodeComments(body []byte) ([]comment, error) {
	var list []comment
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
	}
	for i, c := range list {
		if c.ID == 0 || c.HTMLURL == "" || c.CreatedAt.IsZero() {
			return nil, fmt.Errorf("%w: comment %d has no id, html_url or created_at", fetch.ErrMalformed, i)
		}
	}
	return list, nil
}

func (u *user) user() models.User {
	if u == nil {
		return models.User{}
	}
	return models.User{ID: strconv.FormatInt(u.ID, 10), Name: u.Login, URL: u.HTMLURL}
}

func text(s *string) string {
	if s == nil {
		return ""
	}
	return strings.TrimSpace(*s)
}

// post maps an issue or pull request; the body's Markdown is kept as it
// is, which reads as text.
func (i issue) post() models.Post {
	return models.Post{
		Type: PostTypeIssue, Time: models.NewTimestamp(i.CreatedAt), ID: i.HTMLURL,
		Title: i.Title, Text: text(i.Body), URL: i.HTMLURL, User: i.User.user(),
	}
}

func (c comment) post() models.Post {
	p := models.Post{
		Type: PostTypeComment, Time: models.NewTimestamp(c.CreatedAt), ID: c.HTMLURL,
		Text: text(c.Body), URL: c.HTMLURL, User: c.User.user(),
	}
	if issueURL, _, ok := strings.Cut(c.HTMLURL, "#"); ok {
		n := issueURL[strings.LastIndexByte(issueURL, '/')+1:]
		p.Parent = &models.Parent{ID: n, URL: issueURL}
	}
	return p
}
