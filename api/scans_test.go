package api

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/earshothq/earshot/models"
	"github.com/earshothq/earshot/store"
)

func (e *env) addScan(t *testing.T, id string, at time.Time, post models.Post, focus string) {
	t.Helper()
	s := &models.Scan{Name: models.ScanName("acme", "leads", id), CreateTime: at, Post: post,
		Match: &models.Match{Focus: focus, Score: 0.8, Sentiment: -0.2, Terms: []string{}, Reasons: []string{"r"}}}
	if _, err := e.store.CreateScan(context.Background(), "acme", "leads", id, s, time.Hour); err != nil {
		t.Fatal(err)
	}
}

func scanIDs(r *response) string {
	var ids []string
	list, _ := r.Body["scans"].([]any)
	for _, s := range list {
		name, _ := s.(map[string]any)["name"].(string)
		ids = append(ids, name[strings.LastIndex(name, "/")+1:])
	}
	return strings.Join(ids, ",")
}

// Triage writes state and tags through PATCH, keeps everything else, and
// the list's filter selects on it.
func TestScanTriageAndFilter(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.createCRM(t)
		e.createLeads(t)
		base := time.Now().UTC().Add(-10 * time.Minute).Truncate(time.Second)
		user := models.User{ID: "u1", Name: "Marketing_Pro", URL: "https://reddit.com/user/x"}
		e.addScan(t, "a", base, models.Post{Type: models.PostRedditLink, ID: "t3_a", Title: "Looking for a CRM", Text: "pricing?", User: user}, "SALES")
		e.addScan(t, "b", base.Add(time.Minute), models.Post{Type: models.PostTwitterTweet, ID: "b", Text: "love the brand", User: user}, "MENTIONS")
		e.addScan(t, "c", base.Add(2*time.Minute), models.Post{Type: models.PostRedditComment, ID: "t1_c", Text: "meh", User: user}, "SALES")
		scans := "/v1/namespaces/acme/managers/-/scans"
		scan := "/v1/namespaces/acme/managers/leads/scans/"

		got := must(t, e.get(scan+"a", acmeKey), 200)
		if got.str("state") != "NEW" || got.Body["tags"] == nil {
			t.Fatalf("untriaged scan: %s", got.Raw)
		}
		r := must(t, e.patch(scan+"a?updateMask=state,tags", acmeKey, `{"state":"READ","tags":[" hot ","hot","q3"]}`), 200)
		if r.str("state") != "READ" || r.str("post.title") != "Looking for a CRM" || r.str("etag") == got.str("etag") {
			t.Fatalf("patched: %s", r.Raw)
		}
		if tags := r.Body["tags"].([]any); len(tags) != 2 || tags[0] != "hot" || tags[1] != "q3" {
			t.Errorf("tags not tidied: %v", tags)
		}
		// Stored, with its expiry kept.
		s, _, err := e.store.GetScanRaw(context.Background(), "acme", "leads", "a")
		if err != nil || s.State != "READ" || len(s.Tags) != 2 {
			t.Fatalf("stored %+v %v", s, err)
		}
		if ttl := e.store.Redis().TTL(context.Background(), "earshot:scan:acme:leads:a").Val(); ttl <= 0 {
			t.Errorf("ttl lost: %v", ttl)
		}
		must(t, e.patch(scan+"b", acmeKey, `{"state":"ARCHIVED"}`), 200)

		for _, c := range []struct{ filter, want string }{
			{``, "c,b,a"},
			{`state = NEW`, "c"},
			{`state != ARCHIVED`, "c,a"},
			{`tags:"hot"`, "a"},
			{`tags:hot AND state = READ`, "a"},
			{`match.focus = SALES`, "c,a"},
			{`platform = REDDIT`, "c,a"},
			{`post.type = TWITTER_TWEET`, "b"},
			{`"crm"`, "a"},
			{`marketing_pro AND platform = TWITTER`, "b"},
			{`createTime > "` + base.Format(time.RFC3339) + `"`, "c,b"},
			{`createTime < "` + base.Add(2*time.Minute).Format(time.RFC3339) + `" AND state != ARCHIVED`, "a"},
		} {
			r := must(t, e.call(request{method: "GET", path: scans + "?filter=" + urlEscape(c.filter), key: acmeKey}), 200)
			if got := scanIDs(r); got != c.want {
				t.Errorf("filter %q: %s, want %s", c.filter, got, c.want)
			}
		}
		// A filtered listing pages on.
		p1 := must(t, e.call(request{method: "GET", path: scans + "?pageSize=1&filter=" + urlEscape(`state != ARCHIVED`), key: acmeKey}), 200)
		p2 := must(t, e.call(request{method: "GET", path: scans + "?pageSize=1&filter=" + urlEscape(`state != ARCHIVED`) + "&pageToken=" + p1.str("nextPageToken"), key: acmeKey}), 200)
		if scanIDs(p1) != "c" || scanIDs(p2) != "a" {
			t.Errorf("pages %s / %s", scanIDs(p1), scanIDs(p2))
		}

		for _, c := range []struct{ name, path, body, field, want string }{
			{"bad state", scan + "c", `{"state":"DONE"}`, "state", "must be one of NEW, READ, ARCHIVED"},
			{"empty tag", scan + "c", `{"tags":["ok",""]}`, "tags[1]", "must not be empty"},
			{"long tag", scan + "c", `{"tags":["` + strings.Repeat("x", 41) + `"]}`, "tags[0]", "longer than 40"},
			{"output-only in mask", scan + "c?updateMask=post.title", `{"post":{"title":"x"}}`, "updateMask", "output-only"},
			{"stale etag", scan + "c", `{"state":"READ","etag":"0000000000000000"}`, "", ""},
		} {
			r := e.patch(c.path, acmeKey, c.body)
			if c.field == "" {
				must(t, r, 409)
				continue
			}
			must(t, r, 400)
			if !strings.Contains(string(r.Raw), c.field) || !strings.Contains(string(r.Raw), c.want) {
				t.Errorf("%s: %s", c.name, r.Raw)
			}
		}
		// Nothing was written by the refused patches.
		if r := must(t, e.get(scan+"c", acmeKey), 200); r.str("state") != "NEW" {
			t.Errorf("refused patch wrote: %s", r.Raw)
		}
		// Fields other than triage in a body without mask are ignored.
		r = must(t, e.patch(scan+"c", acmeKey, `{"state":"READ","post":{"title":"forged"}}`), 200)
		if r.str("post.title") != "" || r.str("state") != "READ" {
			t.Errorf("output-only field written: %s", r.Raw)
		}
		must(t, e.patch(scan+"nope", acmeKey, `{"state":"READ"}`), 404)
		for _, f := range []string{`state = DONE`, `state ~ NEW`, `"unclosed`, `state = NEW OR state = READ`, `bogus = 1`} {
			must(t, e.call(request{method: "GET", path: scans + "?filter=" + urlEscape(f), key: acmeKey}), 400)
		}
	})
}

// A manager's status says how its polls are going, and changes neither
// its etag nor what a round trip of it writes.
func TestManagerStatus(t *testing.T) {
	forEachBackend(t, func(t *testing.T, e *env) {
		e.createCRM(t)
		created := e.createLeads(t)
		st, _ := created["status"].(map[string]any)
		if st["state"] != "HEALTHY" || st["postsRead24h"] != 0.0 {
			t.Fatalf("new manager status: %v", created["status"])
		}
		ctx := context.Background()
		now := time.Now()
		if _, err := e.store.RecordPoll(ctx, "acme", "leads", store.PollOutcome{Time: now.Add(-time.Minute), Posts: 7, Matches: 2, SentimentSum: 0.5}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.store.RecordPoll(ctx, "acme", "leads", store.PollOutcome{Time: now, Err: errors.New(`reddit: GET https://user:pw@oauth.reddit.com/r/x?token=SECRET: 503`)}); err != nil {
			t.Fatal(err)
		}
		r := must(t, e.get("/v1/namespaces/acme/managers/leads", acmeKey), 200)
		if r.str("status.state") != "FAILING" || r.str("status.lastPollTime") == "" || r.str("status.lastSuccessTime") == "" {
			t.Fatalf("failing status: %s", r.Raw)
		}
		if le := r.str("status.lastError"); strings.Contains(le, "SECRET") || strings.Contains(le, "pw@") || !strings.Contains(le, "503") {
			t.Errorf("lastError not redacted: %q", le)
		}
		if s := r.Body["status"].(map[string]any); s["postsRead24h"] != 7.0 || s["matches24h"] != 2.0 {
			t.Errorf("counts: %v", s)
		}
		if r.str("etag") != created["etag"] {
			t.Errorf("status changed the etag")
		}
		list := must(t, e.get("/v1/namespaces/acme/managers", acmeKey), 200)
		if !strings.Contains(string(list.Raw), `"FAILING"`) {
			t.Errorf("list lacks status: %s", list.Raw)
		}
		r = must(t, e.patch("/v1/namespaces/acme/managers/leads", acmeKey, `{"enable":false,"status":{"state":"HEALTHY"}}`), 200)
		if r.str("status.state") != "DISABLED" {
			t.Errorf("disabled: %s", r.Raw)
		}
		must(t, e.patch("/v1/namespaces/acme/managers/leads?updateMask=status.state", acmeKey, `{}`), 400)
	})
}

func urlEscape(s string) string { return url.QueryEscape(s) }
