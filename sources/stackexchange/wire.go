package stackexchange

import (
	"encoding/json"
	"fmt"
	"html"
	"strconv"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/internal/fetch"
	"github.com/earshothq/earshot/sources/internal/htmltext"
)

// wrapper is the common wrapper object of every answer.
type wrapper struct {
	Items          *json.RawMessage `json:"items"`
	HasMore        bool             `json:"has_more"`
	QuotaMax       int              `json:"quota_max"`
	QuotaRemaining *int             `json:"quota_remaining"`
	Backoff        int              `json:"backoff"`
	ErrorID        int              `json:"error_id"`
	ErrorName      string           `json:"error_name"`
	ErrorMessage   string           `json:"error_message"`
}

type owner struct {
	UserID      int64  `json:"user_id"`
	DisplayName string `json:"display_name"`
	Link        string `json:"link"`
}

type question struct {
	QuestionID   int64    `json:"question_id"`
	Title        string   `json:"title"`
	Body         string   `json:"body"`
	Link         string   `json:"link"`
	CreationDate int64    `json:"creation_date"`
	Tags         []string `json:"tags"`
	Owner        owner    `json:"owner"`
}

type answer struct {
	AnswerID     int64  `json:"answer_id"`
	QuestionID   int64  `json:"question_id"`
	Body         string `json:"body"`
	Title        string `json:"title"`
	CreationDate int64  `json:"creation_date"`
	Owner        owner  `json:"owner"`
}

func decodeWrapper(body []byte) (wrapper, error) {
	var w wrapper
	if err := json.Unmarshal(body, &w); err != nil {
		return w, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
	}
	return w, nil
}

func decodeItems[T any](w wrapper, valid func(T) bool) ([]T, error) {
	if w.Items == nil {
		return nil, fmt.Errorf("%w: no items array", fetch.ErrMalformed)
	}
	var list []T
	if err := json.Unmarshal(*w.Items, &list); err != nil {
		return nil, fmt.Errorf("%w: items: %v", fetch.ErrMalformed, err)
	}
	for i, it := range list {
		if !valid(it) {
			return nil, fmt.Errorf("%w: items[%d] has no id or creation_date", fetch.ErrMalformed, i)
		}
	}
	return list, nil
}

func (o owner) user() models.User {
	if o.UserID == 0 && o.DisplayName == "" {
		return models.User{}
	}
	u := models.User{Name: html.UnescapeString(o.DisplayName), URL: o.Link}
	if o.UserID != 0 {
		u.ID = strconv.FormatInt(o.UserID, 10)
	}
	return u
}

func created(unix int64) time.Time { return time.Unix(unix, 0).UTC() }

func (q question) post(site string) models.Post {
	link := q.Link
	if link == "" {
		link = siteURL(site) + "/q/" + strconv.FormatInt(q.QuestionID, 10)
	}
	return models.Post{
		Type: PostTypeQuestion, Time: models.NewTimestamp(created(q.CreationDate)),
		ID:    site + ":q" + strconv.FormatInt(q.QuestionID, 10),
		Title: html.UnescapeString(q.Title), Text: htmltext.Text(q.Body), URL: link, User: q.Owner.user(),
	}
}

func (a answer) post(site string, parent *models.Parent) models.Post {
	p := models.Post{
		Type: PostTypeAnswer, Time: models.NewTimestamp(created(a.CreationDate)),
		ID:   site + ":a" + strconv.FormatInt(a.AnswerID, 10),
		Text: htmltext.Text(a.Body), URL: siteURL(site) + "/a/" + strconv.FormatInt(a.AnswerID, 10), User: a.Owner.user(),
		Parent: parent,
	}
	if p.Parent == nil {
		id := strconv.FormatInt(a.QuestionID, 10)
		p.Parent = &models.Parent{ID: id, Title: html.UnescapeString(a.Title), URL: siteURL(site) + "/q/" + id}
	}
	return p
}

// siteURL is the web address of an API site name.
func siteURL(site string) string {
	switch site {
	case "stackoverflow", "serverfault", "superuser", "askubuntu", "stackapps":
		return "https://" + site + ".com"
	case "mathoverflow", "mathoverflow.net":
		return "https://mathoverflow.net"
	}
	if strings.Contains(site, ".") {
		return "https://" + site
	}
	return "https://" + site + ".stackexchange.com"
}
