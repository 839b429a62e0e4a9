package mastodon

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/htmltext"
)

// status is a Status entity as the API sends it.
type status struct {
	ID          string    `json:"id"`
	URI         string    `json:"uri"`
	URL         *string   `json:"url"`
	CreatedAt   time.Time `json:"created_at"`
	Content     string    `json:"content"`
	SpoilerText string    `json:"spoiler_text"`
	Language    *string   `json:"language"`
	Visibility  string    `json:"visibility"`
	Account     account   `json:"account"`
	Reblog      *status   `json:"reblog"`
	// Card is the preview of the link a status shares.
	Card *struct {
		URL string `json:"url"`
	} `json:"card"`
}

type account struct {
	ID          string `json:"id"`
	Username    string `json:"username"`
	Acct        string `json:"acct"`
	DisplayName string `json:"display_name"`
	URL         string `json:"url"`
}

// searchResponse is GET /api/v2/search's answer.
type searchResponse struct {
	Statuses *[]status `json:"statuses"`
}

// apiError is the body of a refusal: {"error": "…"}.
type apiError struct {
	Error string `json:"error"`
}

// decodeStatuses parses a timeline (an array of statuses) or, for search,
// the statuses of a search answer. Boosts become the status they boost.
func decodeStatuses(body []byte, search bool) ([]status, error) {
	var list []status
	if search {
		var r searchResponse
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
		}
		if r.Statuses == nil {
			return nil, fmt.Errorf("%w: no statuses array", fetch.ErrMalformed)
		}
		list = *r.Statuses
	} else if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
	}
	for i := range list {
		if list[i].Reblog != nil {
			list[i] = *list[i].Reblog
		}
		if list[i].ID == "" || list[i].URI == "" || list[i].CreatedAt.IsZero() {
			return nil, fmt.Errorf("%w: status %d has no id, uri or created_at", fetch.ErrMalformed, i)
		}
	}
	return list, nil
}

// post maps a status to the webhook's post shape. Its id is the status'
// URI, the same on every instance that shows it.
func (s status) post() models.Post {
	p := models.Post{
		Type:  PostType,
		Time:  models.NewTimestamp(s.CreatedAt),
		ID:    s.URI,
		Title: strings.TrimSpace(s.SpoilerText),
		Text:  htmltext.Text(s.Content),
		URL:   s.URI,
		User:  models.User{ID: s.Account.URL, Name: s.Account.Acct, URL: s.Account.URL},
	}
	if s.URL != nil && *s.URL != "" {
		p.URL = *s.URL
	}
	if s.Language != nil {
		p.Lang = strings.ToLower(*s.Language)
	}
	if s.Card != nil && s.Card.URL != "" {
		p.Story = []string{s.Card.URL} // the same story as that link elsewhere
	}
	return p
}
