package hackernews

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/earshothq/earshot/models"
)

// webURL is where links in posts point, whatever API base URL is used.
const webURL = "https://news.ycombinator.com"

// searchResponse is the search_by_date answer, as the API sends it.
type searchResponse struct {
	Hits        *[]hit `json:"hits"`
	NbHits      int    `json:"nbHits"`
	Page        int    `json:"page"`
	NbPages     int    `json:"nbPages"`
	HitsPerPage int    `json:"hitsPerPage"`
}

// hit is one story or comment. Algolia writes null for the fields an item
// does not have (story_text of a link story, title of a comment); they
// decode as "" and 0.
type hit struct {
	ObjectID    string   `json:"objectID"`
	Tags        []string `json:"_tags"`
	Author      string   `json:"author"`
	CreatedAt   string   `json:"created_at"`
	CreatedAtI  int64    `json:"created_at_i"`
	Title       string   `json:"title"`
	URL         string   `json:"url"`
	StoryText   string   `json:"story_text"`
	CommentText string   `json:"comment_text"`
	StoryID     *int64   `json:"story_id"`
	StoryTitle  string   `json:"story_title"`
	ParentID    *int64   `json:"parent_id"`
}

// page is one decoded result page.
type page struct {
	hits []hit
	// more: a further page can be read.
	more bool
	// capped: more items matched than the API pages through (it serves
	// the first 1000), and this was the last page it serves.
	capped bool
}

// decodeSearch parses a search body. The error is ErrMalformed-wrapped and
// names no endpoint (the caller does).
func decodeSearch(body []byte) (page, error) {
	var r searchResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return page{}, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if r.Hits == nil {
		return page{}, fmt.Errorf("%w: no hits array", ErrMalformed)
	}
	for i, h := range *r.Hits {
		if h.ObjectID == "" {
			return page{}, fmt.Errorf("%w: hits[%d] has no objectID", ErrMalformed, i)
		}
		if h.created().IsZero() {
			return page{}, fmt.Errorf("%w: hits[%d] has no created_at_i", ErrMalformed, i)
		}
	}
	p := page{hits: *r.Hits}
	if len(p.hits) > 0 {
		per := max(r.HitsPerPage, len(p.hits))
		p.more = r.Page+1 < r.NbPages
		p.capped = !p.more && r.NbHits > (r.Page+1)*per
	}
	return p, nil
}

func (h hit) created() time.Time {
	if h.CreatedAtI > 0 {
		return time.Unix(h.CreatedAtI, 0).UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, h.CreatedAt); err == nil {
		return t.UTC()
	}
	return time.Time{}
}

func (h hit) comment() bool {
	if slices.Contains(h.Tags, "comment") {
		return true
	}
	return !slices.Contains(h.Tags, "story") && h.CommentText != ""
}

// post maps the hit to the webhook's post shape: every string of the
// consumer contract is set, "" when the API does not say.
func (h hit) post() models.Post {
	p := models.Post{
		Type: models.PostHackerNewsStory,
		Time: models.NewTimestamp(h.created()),
		ID:   h.ObjectID,
		URL:  itemURL(h.ObjectID),
	}
	if h.Author != "" {
		p.User = models.User{ID: h.Author, Name: h.Author, URL: webURL + "/user?id=" + h.Author}
	}
	if h.comment() {
		p.Type = models.PostHackerNewsComment
		p.Text = plainText(h.CommentText)
		if h.StoryID != nil {
			id := strconv.FormatInt(*h.StoryID, 10)
			p.Parent = &models.Parent{ID: id, Title: h.StoryTitle, URL: itemURL(id)}
		}
		return p
	}
	p.Title = h.Title
	p.Text = plainText(h.StoryText)
	if h.URL != "" {
		p.Story = []string{h.URL} // the page the story links to
	}
	return p
}

func itemURL(id string) string { return webURL + "/item?id=" + id }
