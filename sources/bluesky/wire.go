package bluesky

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
)

// collection is the record collection of posts.
const collection = "app.bsky.feed.post"

// event is one Jetstream message. Only commits are read; identity and
// account events are skipped.
type event struct {
	DID    string  `json:"did"`
	TimeUS int64   `json:"time_us"`
	Kind   string  `json:"kind"`
	Commit *commit `json:"commit"`
}

type commit struct {
	Rev        string          `json:"rev"`
	Operation  string          `json:"operation"`
	Collection string          `json:"collection"`
	RKey       string          `json:"rkey"`
	Record     json.RawMessage `json:"record"`
	CID        string          `json:"cid"`
}

// record is an app.bsky.feed.post record, as far as Earshot reads it.
type record struct {
	Text      string   `json:"text"`
	CreatedAt string   `json:"createdAt"`
	Langs     []string `json:"langs"`
	Reply     *struct {
		Parent struct {
			URI string `json:"uri"`
		} `json:"parent"`
	} `json:"reply"`
}

// maxSkew is how far past its event a post's createdAt may be; a client
// clock ahead by more is not believed.
const maxSkew = 5 * time.Minute

// earliest is before any Bluesky post.
var earliest = time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)

// post returns the post of a create commit of a post record; false for
// every other event and for a record that does not decode.
func (e *event) post() (models.Post, bool) {
	c := e.Commit
	if e.Kind != "commit" || c == nil || c.Operation != "create" || c.Collection != collection || e.DID == "" || c.RKey == "" {
		return models.Post{}, false
	}
	var r record
	if err := json.Unmarshal(c.Record, &r); err != nil {
		return models.Post{}, false
	}
	at := time.UnixMicro(e.TimeUS).UTC()
	t, err := time.Parse(time.RFC3339Nano, r.CreatedAt)
	if err != nil || t.Before(earliest) || t.After(at.Add(maxSkew)) {
		t = at // absent or absurd: the event's own time bounds it
	}
	p := models.Post{
		Type: PostType,
		Time: models.NewTimestamp(t),
		ID:   "at://" + e.DID + "/" + collection + "/" + c.RKey,
		Text: r.Text,
		URL:  webURL(e.DID, c.RKey),
		User: models.User{ID: e.DID, URL: "https://bsky.app/profile/" + e.DID},
	}
	if len(r.Langs) > 0 {
		p.Lang = r.Langs[0]
	}
	if r.Reply != nil && r.Reply.Parent.URI != "" {
		p.Parent = &models.Parent{ID: r.Reply.Parent.URI, URL: parentURL(r.Reply.Parent.URI)}
	}
	return p, true
}

func webURL(did, rkey string) string { return "https://bsky.app/profile/" + did + "/post/" + rkey }

// parentURL is the web address of a post's at-URI, "" for another record.
func parentURL(uri string) string {
	rest, ok := strings.CutPrefix(uri, "at://")
	if !ok {
		return ""
	}
	parts := strings.Split(rest, "/")
	if len(parts) != 3 || parts[1] != collection || parts[0] == "" || parts[2] == "" {
		return ""
	}
	return webURL(parts[0], parts[2])
}
