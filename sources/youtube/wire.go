package youtube

import (
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"strings"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/sources/internal/fetch"
)

const watchURL = "https://www.youtube.com/watch?v="

// searchResponse is search.list's answer.
type searchResponse struct {
	NextPageToken string          `json:"nextPageToken"`
	Items         *[]searchResult `json:"items"`
}

type searchResult struct {
	ID struct {
		Kind    string `json:"kind"`
		VideoID string `json:"videoId"`
	} `json:"id"`
	Snippet struct {
		PublishedAt  time.Time `json:"publishedAt"`
		ChannelID    string    `json:"channelId"`
		Title        string    `json:"title"`
		Description  string    `json:"description"`
		ChannelTitle string    `json:"channelTitle"`
	} `json:"snippet"`
}

// threadsResponse is commentThreads.list's answer.
type threadsResponse struct {
	NextPageToken string    `json:"nextPageToken"`
	Items         *[]thread `json:"items"`
}

type thread struct {
	ID      string `json:"id"`
	Snippet struct {
		VideoID         string `json:"videoId"`
		TopLevelComment struct {
			ID      string `json:"id"`
			Snippet struct {
				AuthorDisplayName string `json:"authorDisplayName"`
				AuthorChannelURL  string `json:"authorChannelUrl"`
				AuthorChannelID   struct {
					Value string `json:"value"`
				} `json:"authorChannelId"`
				TextDisplay  string    `json:"textDisplay"`
				TextOriginal string    `json:"textOriginal"`
				PublishedAt  time.Time `json:"publishedAt"`
				VideoID      string    `json:"videoId"`
			} `json:"snippet"`
		} `json:"topLevelComment"`
	} `json:"snippet"`
}

// apiError is Google's error body.
type apiError struct {
	Error struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Errors  []struct {
			Reason string `json:"reason"`
			Domain string `json:"domain"`
		} `json:"errors"`
	} `json:"error"`
}

func (e apiError) reason() string {
	if len(e.Error.Errors) > 0 {
		return e.Error.Errors[0].Reason
	}
	return ""
}

func decodeSearch(body []byte) (searchResponse, error) {
	var r searchResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
	}
	if r.Items == nil {
		return r, fmt.Errorf("%w: no items array", fetch.ErrMalformed)
	}
	return r, nil
}

func decodeThreads(body []byte) (threadsResponse, error) {
	var r threadsResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return r, fmt.Errorf("%w: %v", fetch.ErrMalformed, err)
	}
	if r.Items == nil {
		return r, fmt.Errorf("%w: no items array", fetch.ErrMalformed)
	}
	for i, t := range *r.Items {
		if t.Snippet.TopLevelComment.ID == "" || t.Snippet.TopLevelComment.Snippet.PublishedAt.IsZero() {
			return r, fmt.Errorf("%w: items[%d] has no comment id or publishedAt", fetch.ErrMalformed, i)
		}
	}
	return r, nil
}

// post maps a video; search snippets are HTML-escaped.
func (v searchResult) post() models.Post {
	sn := v.Snippet
	return models.Post{
		Type: PostTypeVideo, Time: models.NewTimestamp(sn.PublishedAt), ID: v.ID.VideoID,
		Title: html.UnescapeString(sn.Title), Text: html.UnescapeString(sn.Description),
		URL:  watchURL + url.QueryEscape(v.ID.VideoID),
		User: models.User{ID: sn.ChannelID, Name: html.UnescapeString(sn.ChannelTitle), URL: "https://www.youtube.com/channel/" + sn.ChannelID},
	}
}

func (t thread) post(videoTitle string) models.Post {
	c := t.Snippet.TopLevelComment
	vid := t.Snippet.VideoID
	if vid == "" {
		vid = c.Snippet.VideoID
	}
	text := c.Snippet.TextOriginal
	if text == "" {
		text = html.UnescapeString(c.Snippet.TextDisplay)
	}
	p := models.Post{
		Type: PostTypeComment, Time: models.NewTimestamp(c.Snippet.PublishedAt), ID: c.ID,
		Text: strings.TrimSpace(text),
		User: models.User{ID: c.Snippet.AuthorChannelID.Value, Name: c.Snippet.AuthorDisplayName, URL: c.Snippet.AuthorChannelURL},
	}
	if vid != "" {
		p.URL = watchURL + url.QueryEscape(vid) + "&lc=" + url.QueryEscape(c.ID)
		p.Parent = &models.Parent{ID: vid, Title: videoTitle, URL: watchURL + url.QueryEscape(vid)}
	}
	return p
}
