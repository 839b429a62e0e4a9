package rss

import (
	"net/url"
	"strings"
	"time"

	"github.com/mmcdole/gofeed"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/internal/htmltext"
)

// post maps a feed item to the webhook's post shape.
func post(feedURL string, feed *gofeed.Feed, it *gofeed.Item, id string, t time.Time) models.Post {
	body := it.Content
	if strings.TrimSpace(body) == "" {
		body = it.Description
	}
	p := models.Post{
		Type:  PostType,
		Time:  models.NewTimestamp(t),
		ID:    id,
		Title: htmltext.Text(it.Title),
		Text:  htmltext.Text(body),
		URL:   absolute(feedURL, feed.Link, it.Link),
		Lang:  language(feed.Language),
	}
	if p.URL == "" && strings.HasPrefix(it.GUID, "http") {
		p.URL = absolute(feedURL, "", it.GUID)
	}
	var author *gofeed.Person
	if len(it.Authors) > 0 {
		author = it.Authors[0]
	} else if len(feed.Authors) > 0 {
		author = feed.Authors[0]
	}
	if author != nil {
		p.User.Name = strings.TrimSpace(author.Name)
		p.User.ID = p.User.Name
	}
	return p
}

// absolute resolves an item link, which feeds sometimes give relative to
// the site or the feed; "" when there is no http(s) link.
func absolute(feedURL, siteURL, link string) string {
	link = strings.TrimSpace(link)
	if link == "" {
		return ""
	}
	base, err := url.Parse(feedURL)
	if s, e := url.Parse(siteURL); e == nil && s.IsAbs() {
		base, err = s, nil
	}
	u, uerr := url.Parse(link)
	if err != nil || uerr != nil {
		return ""
	}
	u = base.ResolveReference(u)
	if u.Scheme != "http" && u.Scheme != "https" {
		return ""
	}
	return u.String()
}

// language is the ISO 639-1 part of a feed's language ("en-us" → "en").
func language(tag string) string {
	tag = strings.ToLower(strings.TrimSpace(tag))
	if i := strings.IndexAny(tag, "-_"); i >= 0 {
		tag = tag[:i]
	}
	if len(tag) != 2 {
		return ""
	}
	return tag
}
