package twitter

import (
	"encoding/json"
	"fmt"
	"html"
	"strconv"
	"time"

	"github.com/earshothq/earshot/models"
)

// webURL is where links in posts point, whatever API base URL is used.
const webURL = "https://x.com"

// searchResponse is the recent search answer, as the X API v2 sends it:
// data and includes are left out when nothing matched
// ({"meta":{"result_count":0}}), and errors may come along with data for
// what could not be expanded (a suspended author).
type searchResponse struct {
	Data     []tweet `json:"data"`
	Includes struct {
		Users []user `json:"users"`
	} `json:"includes"`
	Meta   *meta             `json:"meta"`
	Errors []json.RawMessage `json:"errors"`
}

type meta struct {
	NewestID    string `json:"newest_id"`
	OldestID    string `json:"oldest_id"`
	ResultCount int    `json:"result_count"`
	NextToken   string `json:"next_token"`
}

// tweet is a Post object with the fields Earshot asks for.
type tweet struct {
	ID             string `json:"id"`
	Text           string `json:"text"`
	AuthorID       string `json:"author_id"`
	CreatedAt      string `json:"created_at"`
	Lang           string `json:"lang"`
	ConversationID string `json:"conversation_id"`
}

// user is a User object of includes.users.
type user struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Username string `json:"username"`
}

// problem is the X API's error body (RFC 7807 problem details, with the
// invalid parameters of a 400 in errors).
type problem struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

// page is one decoded search page, its tweets mapped to posts.
type page struct {
	posts     []models.Post
	nextToken string
	partial   int // partial errors (authors that could not be expanded)
}

// decodeSearch parses a search body. The error is ErrMalformed-wrapped and
// names no endpoint (the caller does).
func decodeSearch(body []byte) (page, error) {
	var r searchResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return page{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if r.Meta == nil {
		return page{}, fmt.Errorf("%w: no meta object", ErrMalformed)
	}
	users := make(map[string]user, len(r.Includes.Users))
	for _, u := range r.Includes.Users {
		users[u.ID] = u
	}
	p := page{nextToken: r.Meta.NextToken, partial: len(r.Errors)}
	for i, t := range r.Data {
		if _, err := strconv.ParseUint(t.ID, 10, 64); err != nil {
			return page{}, fmt.Errorf("%w: data[%d] has no numeric id", ErrMalformed, i)
		}
		p.posts = append(p.posts, t.post(users[t.AuthorID]))
	}
	return p, nil
}

// post maps a tweet to the webhook's post shape: every string of the
// consumer contract is set, "" when X does not say.
func (t tweet) post(author user) models.Post {
	p := models.Post{
		Type: models.PostTwitterTweet,
		Time: models.NewTimestamp(t.created()),
		ID:   t.ID,
		// X escapes &, < and > in post text.
		Text: html.UnescapeString(t.Text),
		URL:  webURL + "/i/web/status/" + t.ID,
		User: models.User{ID: t.AuthorID},
		Lang: t.Lang,
	}
	if author.Username != "" {
		p.URL = webURL + "/" + author.Username + "/status/" + t.ID
		p.User.Name = "@" + author.Username
		p.User.URL = webURL + "/" + author.Username
		if p.User.ID == "" {
			p.User.ID = author.ID
		}
	}
	// A reply belongs to the conversation its root post started.
	if t.ConversationID != "" && t.ConversationID != t.ID {
		p.Parent = &models.Parent{ID: t.ConversationID, URL: webURL + "/i/web/status/" + t.ConversationID}
	}
	return p
}

// created is created_at, or, when X leaves it out, the time in the post's
// snowflake id (to the millisecond).
func (t tweet) created() time.Time {
	if c, err := time.Parse(time.RFC3339Nano, t.CreatedAt); err == nil {
		return c.UTC()
	}
	return snowflakeTime(t.ID)
}

// twitterEpoch is the Unix millisecond of snowflake 0.
const twitterEpoch = 1288834974657

// snowflakeTime returns the creation time in an X snowflake id, or the zero
// time for ids that are not snowflakes (before November 2010).
func snowflakeTime(id string) time.Time {
	n, err := strconv.ParseUint(id, 10, 64)
	if err != nil || n>>22 == 0 {
		return time.Time{}
	}
	return time.UnixMilli(int64(n>>22) + twitterEpoch).UTC()
}
