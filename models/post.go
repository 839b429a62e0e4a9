package models

import (
	"encoding/json"
	"fmt"
	"time"
)

// Post types: the value of post.type in the webhook payload.
const (
	PostRedditLink        = "REDDIT_LINK"
	PostRedditComment     = "REDDIT_COMMENT"
	PostTwitterTweet      = "TWITTER_TWEET"
	PostFacebookPost      = "FACEBOOK_POST"
	PostHackerNewsStory   = "HACKERNEWS_STORY"
	PostHackerNewsComment = "HACKERNEWS_COMMENT"
)

// Post is one item read from a platform, in the webhook's `post` shape.
// Every string field of the consumer contract is always present: an unknown
// value is "", never missing or null.
type Post struct {
	Type      string     `json:"type"`
	Time      Timestamp  `json:"time"`
	ID        string     `json:"id"`
	Title     string     `json:"title,omitempty"`
	Text      string     `json:"text"`
	URL       string     `json:"url"`
	Subreddit *Community `json:"subreddit,omitempty"`
	User      User       `json:"user"`
	// Lang is the platform's language code, when it gives one.
	Lang string `json:"lang,omitempty"`
	// Parent is the post a comment replies to.
	Parent *Parent `json:"parent,omitempty"`
	// Duplicates are the other sightings of the same story (the same
	// link from another source or subreddit, a crosspost) that arrived
	// before the Scan was delivered.
	Duplicates []Sighting `json:"duplicates,omitempty"`
	// Story names, besides the post's own URL and id, what makes another
	// post the same story: the URL it links to, the post it repeats
	// (StoryPost of a crosspost's parent). Sources set it; it is not
	// delivered.
	Story []string `json:"-"`
}

// Sighting is another post that told the same story.
type Sighting struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	URL  string `json:"url"`
}

// StoryPost is the Story entry naming a post of a platform by its id
// ("REDDIT", "t3_abc"): a crosspost names its parent so.
func StoryPost(platform, id string) string { return "post:" + platform + ":" + id }

// Community is a subreddit (or a platform's equivalent).
type Community struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// User is a post's author.
type User struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	URL  string `json:"url"`
}

// Parent is the item a comment belongs to.
type Parent struct {
	ID    string `json:"id"`
	Title string `json:"title,omitempty"`
	URL   string `json:"url"`
}

// Timestamp is a time written as RFC 3339 in UTC, to the second ("" when
// unknown).
type Timestamp struct{ time.Time }

// NewTimestamp returns t as a Timestamp.
func NewTimestamp(t time.Time) Timestamp { return Timestamp{t.UTC()} }

// MarshalJSON writes RFC 3339 UTC, or "" for the zero time.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	if t.IsZero() {
		return []byte(`""`), nil
	}
	return json.Marshal(t.UTC().Format(time.RFC3339))
}

// UnmarshalJSON reads RFC 3339 (any offset), "" or null.
func (t *Timestamp) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = Timestamp{}
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("time must be an RFC 3339 string")
	}
	if s == "" {
		*t = Timestamp{}
		return nil
	}
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("time %q is not RFC 3339 (e.g. 2026-06-13T12:10:00Z)", s)
	}
	*t = Timestamp{v.UTC()}
	return nil
}
