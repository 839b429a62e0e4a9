package reddit

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
)

// webURL is where links in posts point, whatever API base URL is used.
const webURL = "https://www.reddit.com"

// listing is Reddit's Listing envelope, as the API sends it.
type listing struct {
	Kind string `json:"kind"`
	Data struct {
		After    string  `json:"after"` // null at the end of the listing
		Before   string  `json:"before"`
		Dist     int     `json:"dist"`
		Children []child `json:"children"`
	} `json:"data"`
}

// child is one thing of a Listing; Data is decoded by Kind.
type child struct {
	Kind string          `json:"kind"`
	Data json.RawMessage `json:"data"`
}

// link is a t3 thing, a post. Reddit omits fields in older listings
// (author_fullname) and writes null for some (selftext); both decode as "".
type link struct {
	Name           string  `json:"name"`
	ID             string  `json:"id"`
	Title          string  `json:"title"`
	Selftext       string  `json:"selftext"`
	Author         string  `json:"author"`
	AuthorFullname string  `json:"author_fullname"`
	Subreddit      string  `json:"subreddit"`
	SubredditID    string  `json:"subreddit_id"`
	Permalink      string  `json:"permalink"`
	URL            string  `json:"url"`
	CreatedUTC     float64 `json:"created_utc"`
}

// page is one decoded listing page.
type page struct {
	after    string
	children int // all children, links or not
	links    []link
}

// decodeListing parses a listing body. The error is ErrMalformed-wrapped
// and names no endpoint (the caller does).
func decodeListing(body []byte) (page, error) {
	var l listing
	if err := json.Unmarshal(body, &l); err != nil {
		return page{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if l.Kind != "Listing" {
		return page{}, fmt.Errorf("%w: kind %q, want \"Listing\"", ErrMalformed, l.Kind)
	}
	p := page{after: l.Data.After, children: len(l.Data.Children)}
	for i, c := range l.Data.Children {
		if c.Kind != "t3" {
			continue // search with type=link sends none; nothing else is a post
		}
		var k link
		if err := json.Unmarshal(c.Data, &k); err != nil {
			return page{}, fmt.Errorf("%w: child %d: %v", ErrMalformed, i, err)
		}
		if k.Name == "" && k.ID == "" {
			return page{}, fmt.Errorf("%w: child %d has neither name nor id", ErrMalformed, i)
		}
		p.links = append(p.links, k)
	}
	return p, nil
}

// fullname is the post's t3_ name.
func (l link) fullname() string {
	if l.Name != "" {
		return l.Name
	}
	return "t3_" + l.ID
}

func (l link) created() time.Time {
	sec, frac := math.Modf(l.CreatedUTC)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// post maps the link to the webhook's post shape: every string of the
// consumer contract is set, "" when Reddit does not say.
func (l link) post() models.Post {
	p := models.Post{
		Type:  models.PostRedditLink,
		Time:  models.NewTimestamp(l.created()),
		ID:    l.fullname(),
		Title: l.Title,
		Text:  l.Selftext,
		URL:   l.permalinkURL(),
		User:  models.User{Name: l.Author},
	}
	if l.Subreddit != "" {
		p.Subreddit = &models.Community{
			ID:   l.SubredditID,
			Name: l.Subreddit,
			URL:  webURL + "/r/" + l.Subreddit,
		}
	}
	// "[deleted]" is not an account: no id, no profile page.
	if l.Author != "" && l.Author != "[deleted]" {
		p.User.ID = l.AuthorFullname
		p.User.URL = webURL + "/user/" + l.Author
	}
	return p
}

func (l link) permalinkURL() string {
	switch {
	case strings.HasPrefix(l.Permalink, "https://"):
		return l.Permalink
	case strings.HasPrefix(l.Permalink, "/"):
		return webURL + l.Permalink
	default:
		// Reddit's short form redirects to the full permalink.
		return webURL + "/comments/" + strings.TrimPrefix(l.fullname(), "t3_") + "/"
	}
}
