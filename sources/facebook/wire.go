package facebook

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
)

// webURL is where links in posts point, whatever API base URL is used.
const webURL = "https://www.facebook.com"

// feedFields are the Post fields asked for.
const feedFields = "id,message,created_time,permalink_url,from"

// feedResponse is a page of a Page's feed, as the Graph API sends it.
type feedResponse struct {
	Data   *[]fbPost `json:"data"`
	Paging struct {
		Cursors struct {
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"cursors"`
		Previous string `json:"previous"`
		Next     string `json:"next"`
	} `json:"paging"`
}

// fbPost is a Page Post with the fields Earshot asks for. message is left
// out of posts without text (a shared photo), from of posts whose author
// the token may not see.
type fbPost struct {
	ID           string `json:"id"`
	Message      string `json:"message"`
	CreatedTime  string `json:"created_time"`
	PermalinkURL string `json:"permalink_url"`
	From         *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"from"`
}

// graphTime is the Graph API's time format ("2026-06-13T12:10:00+0000").
const graphTime = "2006-01-02T15:04:05-0700"

func parseTime(s string) (time.Time, bool) {
	for _, layout := range []string{graphTime, time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

// page is one decoded feed page.
type page struct {
	posts []fbPost
	times []time.Time
	// next holds the paging parameters of paging.next (without the
	// credentials); nil at the end of the feed.
	next url.Values
}

// decodeFeed parses a feed body. The error is ErrMalformed-wrapped and
// names no endpoint (the caller does).
func decodeFeed(body []byte) (page, error) {
	var r feedResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return page{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if r.Data == nil {
		return page{}, fmt.Errorf("%w: no data array", ErrMalformed)
	}
	p := page{posts: *r.Data}
	for i, fp := range p.posts {
		if fp.ID == "" {
			return page{}, fmt.Errorf("%w: data[%d] has no id", ErrMalformed, i)
		}
		t, ok := parseTime(fp.CreatedTime)
		if !ok {
			return page{}, fmt.Errorf("%w: data[%d] has no valid created_time", ErrMalformed, i)
		}
		p.times = append(p.times, t)
	}
	if r.Paging.Next != "" {
		u, err := url.Parse(r.Paging.Next)
		if err != nil {
			// The URL holds the token: say nothing of it.
			return page{}, fmt.Errorf("%w: paging.next is not a URL", ErrMalformed)
		}
		q := u.Query()
		q.Del("access_token")
		q.Del("appsecret_proof")
		p.next = q
	}
	return p, nil
}

// post maps the feed post to the webhook's post shape: every string of the
// consumer contract is set, "" when the Graph API does not say.
func (fp fbPost) post(created time.Time) models.Post {
	p := models.Post{
		Type: models.PostFacebookPost,
		Time: models.NewTimestamp(created),
		ID:   fp.ID,
		Text: fp.Message,
		URL:  fp.PermalinkURL,
	}
	if p.URL == "" {
		// A feed post id is {page id}_{post id}.
		if pageID, postID, ok := strings.Cut(fp.ID, "_"); ok {
			p.URL = webURL + "/" + pageID + "/posts/" + postID
		} else {
			p.URL = webURL + "/" + fp.ID
		}
	}
	if fp.From != nil {
		p.User = models.User{ID: fp.From.ID, Name: fp.From.Name}
		if fp.From.ID != "" {
			p.User.URL = webURL + "/" + fp.From.ID
		}
	}
	return p
}
