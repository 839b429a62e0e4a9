package reddit

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/internal/fetch"
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

// Thing kinds: the Listing children a poll reads.
const (
	kindLink    = "t3"
	kindComment = "t1"
)

// thing is a link or a comment read from a listing.
type thing interface {
	fullname() string
	created() time.Time
	post() models.Post
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
	IsSelf         bool    `json:"is_self"`
	// CrosspostParent is the fullname of the link a crosspost repeats.
	CrosspostParent string `json:"crosspost_parent"`
}

// comment is a t1 thing, as the /comments listing sends it: unlike a
// comment of a thread, it carries its link's title and permalink.
type comment struct {
	Name           string  `json:"name"`
	ID             string  `json:"id"`
	Body           string  `json:"body"`
	Author         string  `json:"author"`
	AuthorFullname string  `json:"author_fullname"`
	LinkID         string  `json:"link_id"`
	LinkTitle      string  `json:"link_title"`
	LinkPermalink  string  `json:"link_permalink"` // absolute, unlike permalink
	ParentID       string  `json:"parent_id"`
	Subreddit      string  `json:"subreddit"`
	SubredditID    string  `json:"subreddit_id"`
	Permalink      string  `json:"permalink"`
	CreatedUTC     float64 `json:"created_utc"`
}

// page is one decoded listing page.
type page struct {
	after    string
	children int     // all children, of any kind
	things   []thing // the children of the kind asked for, newest first
}

// decodeListing parses a listing body, keeping the children of kind
// (kindLink or kindComment). The error is fetch.ErrMalformed-wrapped and names no
// endpoint (the caller does).
func decodeListing(body []byte, kind string) (page, error) {
	var l listing
	if err := json.Unmarshal(body, &l); err != nil {
		return page{}, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
	}
	if l.Kind != "Listing" {
		return page{}, fmt.Errorf("%w: kind %q, want \"Listing\"", fetch.ErrMalformed, l.Kind)
	}
	p := page{after: l.Data.After, children: len(l.Data.Children)}
	for i, c := range l.Data.Children {
		if c.Kind != kind {
			continue // search with type=link sends none; nothing else is asked for
		}
		var (
			t        thing
			name, id string
			err      error
		)
		switch kind {
		case kindComment:
			var k comment
			err = json.Unmarshal(c.Data, &k)
			t, name, id = k, k.Name, k.ID
		default:
			var k link
			err = json.Unmarshal(c.Data, &k)
			t, name, id = k, k.Name, k.ID
		}
		if err != nil {
			return page{}, fmt.Errorf("%w: child %d: %v", fetch.ErrMalformed, i, err)
		}
		if name == "" && id == "" {
			return page{}, fmt.Errorf("%w: child %d has neither name nor id", fetch.ErrMalformed, i)
		}
		p.things = append(p.things, t)
	}
	return p, nil
}

func createdTime(utc float64) time.Time {
	sec, frac := math.Modf(utc)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// community and user map the fields links and comments share.
func community(name, id string) *models.Community {
	if name == "" {
		return nil
	}
	return &models.Community{ID: id, Name: name, URL: webURL + "/r/" + name}
}

func user(name, fullname string) models.User {
	u := models.User{Name: name}
	// "[deleted]" is not an account: no id, no profile page.
	if name != "" && name != "[deleted]" {
		u.ID = fullname
		u.URL = webURL + "/user/" + name
	}
	return u
}

// webPath turns a permalink, relative ("/r/…") or absolute (link_permalink
// is), into a www.reddit.com URL; "" when it is neither.
func webPath(permalink string) string {
	if strings.HasPrefix(permalink, "/") {
		return webURL + permalink
	}
	if u, err := url.Parse(permalink); err == nil && u.Scheme == "https" && strings.HasPrefix(u.Path, "/") {
		return webURL + u.EscapedPath()
	}
	return ""
}

// fullname is the post's t3_ name.
func (l link) fullname() string {
	if l.Name != "" {
		return l.Name
	}
	return "t3_" + l.ID
}

func (l link) created() time.Time { return createdTime(l.CreatedUTC) }

// post maps the link to the webhook's post shape: every string of the
// consumer contract is set, "" when Reddit does not say.
func (l link) post() models.Post {
	return models.Post{
		Type:      models.PostRedditLink,
		Time:      models.NewTimestamp(l.created()),
		ID:        l.fullname(),
		Title:     l.Title,
		Text:      l.Selftext,
		URL:       l.permalinkURL(),
		Subreddit: community(l.Subreddit, l.SubredditID),
		User:      user(l.Author, l.AuthorFullname),
		Story:     l.story(),
	}
}

// story is what makes another post the same story as this link: the page
// it links to, and the link it crossposts.
func (l link) story() []string {
	var s []string
	if !l.IsSelf && (strings.HasPrefix(l.URL, "https://") || strings.HasPrefix(l.URL, "http://")) {
		s = append(s, l.URL)
	}
	if l.CrosspostParent != "" {
		s = append(s, models.StoryPost("REDDIT", l.CrosspostParent))
	}
	return s
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

// fullname is the comment's t1_ name.
func (c comment) fullname() string {
	if c.Name != "" {
		return c.Name
	}
	return kindComment + "_" + c.ID
}

func (c comment) created() time.Time { return createdTime(c.CreatedUTC) }

// post maps the comment to the webhook's post shape. The title stays empty:
// the comment has none, and its link's title is the parent's.
func (c comment) post() models.Post {
	p := models.Post{
		Type:      models.PostRedditComment,
		Time:      models.NewTimestamp(c.created()),
		ID:        c.fullname(),
		Text:      c.Body,
		URL:       c.permalinkURL(),
		Subreddit: community(c.Subreddit, c.SubredditID),
		User:      user(c.Author, c.AuthorFullname),
	}
	if c.LinkID != "" {
		p.Parent = &models.Parent{ID: c.LinkID, Title: c.LinkTitle, URL: c.linkURL()}
	}
	return p
}

// threadPath is the comment's thread, for the URLs Reddit left out: it
// redirects /comments/{link id}/ to the thread's full permalink.
func (c comment) threadPath() string {
	path := "/comments/" + strings.TrimPrefix(c.LinkID, kindLink+"_") + "/"
	if c.Subreddit != "" {
		path = "/r/" + c.Subreddit + path
	}
	return path
}

func (c comment) permalinkURL() string {
	if u := webPath(c.Permalink); u != "" {
		return u
	}
	if c.LinkID == "" {
		return ""
	}
	// "_" stands for the thread's slug, which Reddit does not check.
	return webURL + c.threadPath() + "_/" + strings.TrimPrefix(c.fullname(), kindComment+"_") + "/"
}

func (c comment) linkURL() string {
	if u := webPath(c.LinkPermalink); u != "" {
		return u
	}
	return webURL + c.threadPath()
}
